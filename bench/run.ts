import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Benchmark, machine } from './lib/benchmark.ts';

// Usage: npm run bench [-- <name>...] [--rounds N] [--scale X]
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  args.splice(at, 2);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
};
const rounds = option('rounds', 5);
const scale = option('scale', 1);

const directory = join(import.meta.dirname, 'benchmarks');
const available: Benchmark[] = [];
for (const file of (await readdir(directory)).filter((f) => f.endsWith('.ts')).sort()) {
  const module = (await import(join(directory, file))) as { benchmark?: Benchmark };
  if (module.benchmark) available.push(module.benchmark);
}
const chosen = args.length === 0 ? available : available.filter((b) => args.includes(b.name));
if (chosen.length === 0) {
  console.error(
    `no benchmark named ${args.join(', ')}; available: ${available.map((b) => b.name).join(', ')}`,
  );
  process.exit(2);
}

console.log(`# benchmarks on ${machine()}; ${rounds} rounds, scale ${scale}, ${new Date().toISOString()}`);
for (const benchmark of chosen) {
  console.log(`\n## ${benchmark.name}: ${benchmark.description}\n`);
  await benchmark.run({ rounds, scale, log: (line) => console.log(line) });
}
