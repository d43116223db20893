import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const domain = join(root, 'domain');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const pattern =
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  return [...text.matchAll(pattern)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

describe('architecture: the domain is pure', () => {
  const files = sourceFiles(domain);

  it('finds the domain sources', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('imports nothing but decimal.js, zod and other domain files', () => {
    const offending = files.flatMap((file) =>
      importsOf(file)
        .filter((specifier) => {
          if (specifier === 'decimal.js' || specifier === 'zod') return false;
          if (!specifier.startsWith('.')) return true;
          return !resolve(dirname(file), specifier).startsWith(`${domain}/`);
        })
        .map((specifier) => `${relative(root, file)} imports ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  it('reads no clock and makes no random ids: time and ids come in with the command', () => {
    const offending = files.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return [/Date\.now\(/, /new Date\(/, /Math\.random\(/, /randomUUID/, /process\./, /performance\.now/]
        .filter((pattern) => pattern.test(text))
        .map((pattern) => `${relative(root, file)} uses ${pattern.source}`);
    });
    expect(offending).toEqual([]);
  });
});
