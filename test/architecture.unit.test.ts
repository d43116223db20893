import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');
const config = join(root, '.dependency-cruiser.cjs');
const LAYERS = ['domain', 'application', 'adapters', 'projections', 'simulators', 'bench'];

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** Runs dependency-cruiser with the project's rules over `dirs` of `cwd`; its violations as `rule: from -> to`. */
async function violations(cwd: string, dirs: string[]): Promise<string[]> {
  const present = dirs.filter((dir) => existsSync(join(cwd, dir)));
  const { stdout } = await promisify(execFile)(
    depcruise,
    [...present, '--config', config, '--output-type', 'json'],
    { cwd, maxBuffer: 64 * 1024 * 1024 },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const report = JSON.parse(stdout) as { summary: { violations: Violation[] } };
  return report.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

describe('architecture: dependencies point inward (dependency-cruiser, .dependency-cruiser.cjs)', () => {
  it('the tree breaks no layer rule', async () => {
    expect(await violations(root, LAYERS)).toEqual([]);
  }, 60_000);

  it('npm run lint:layers cruises every layer, the simulators included', () => {
    const scripts = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    const folders = scripts['lint:layers']?.match(/^depcruise ([\w\s-]+?) --config/)?.[1]?.split(/\s+/);
    expect(folders?.sort()).toEqual([...LAYERS].sort());
  });

  describe('given a tree with a wrong-way import in every layer', () => {
    let scratch: string;
    afterAll(async () => {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    it('names each one, and passes the imports that point inward', async () => {
      scratch = await mkdtemp(join(tmpdir(), 'oms-layers-'));
      const files: Record<string, string> = {
        'tsconfig.json': JSON.stringify({
          compilerOptions: { allowImportingTsExtensions: true, noEmit: true },
        }),
        'domain/order.ts': "import { store } from '../adapters/store.ts';\nexport const order = store;\n",
        'domain/fine.ts': 'export const fine = 1;\n',
        'application/use-case.ts':
          "import { rows } from '../projections/rows.ts';\nimport { fine } from '../domain/fine.ts';\nexport const useCase = [rows, fine];\n",
        'application/service.ts': 'export const start = 1;\n',
        'projections/rows.ts': "import { store } from '../adapters/store.ts';\nexport const rows = store;\n",
        'simulators/venue.ts':
          "import { signing } from '../adapters/venues/bitget/signing.ts';\nexport const v = signing;\n",
        'simulators/matching.ts':
          "import { useCase } from '../application/use-case.ts';\nimport { fine } from '../domain/fine.ts';\nimport { v } from './venue.ts';\nexport const m = [useCase, fine, v];\n",
        'adapters/composition/root.ts':
          "import { m } from '../../simulators/matching.ts';\nexport const root = m;\n",
        'adapters/venues/bitget/local.ts':
          "import { m } from '../../../simulators/matching.ts';\nexport const local = m;\n",
        'adapters/store.ts':
          "import { useCase } from '../application/use-case.ts';\nexport const store = useCase;\n",
        'adapters/http/routes.ts':
          "import { start } from '../../application/service.ts';\nimport { signing } from '../venues/bitget/signing.ts';\nexport const r = [start, signing];\n",
        'adapters/venues/bitget/signing.ts': 'export const signing = 1;\n',
        'adapters/venues/deribit/auth.ts':
          "import { signing } from '../bitget/signing.ts';\nexport const a = signing;\n",
      };
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(scratch, path)), { recursive: true });
        await writeFile(join(scratch, path), text);
      }

      expect(await violations(scratch, LAYERS)).toEqual([
        'application-points-inward: application/use-case.ts -> projections/rows.ts',
        'domain-is-pure: domain/order.ts -> adapters/store.ts',
        'driving-adapters-do-not-reach-driven-ones: adapters/http/routes.ts -> adapters/venues/bitget/signing.ts',
        'only-the-root-starts-simulators: adapters/venues/bitget/local.ts -> simulators/matching.ts',
        'only-the-root-starts-the-application: adapters/http/routes.ts -> application/service.ts',
        'projections-point-inward: projections/rows.ts -> adapters/store.ts',
        'simulators-are-independent: simulators/matching.ts -> application/use-case.ts',
        'simulators-are-independent: simulators/venue.ts -> adapters/venues/bitget/signing.ts',
        'venues-stay-apart: adapters/venues/deribit/auth.ts -> adapters/venues/bitget/signing.ts',
      ]);
    }, 60_000);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('architecture: the domain is pure', () => {
  const files = sourceFiles(join(root, 'domain'));

  it('finds the domain sources', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('reads no clock and makes no random ids: time and ids come in with the command', () => {
    const offending = files.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      // `new Date()` reads the clock; `new Date(ms)` only writes a time the domain was given.
      return [
        /Date\.now\(/,
        /new Date\(\s*\)/,
        /Math\.random\(/,
        /randomUUID/,
        /process\./,
        /performance\.now/,
      ]
        .filter((pattern) => pattern.test(text))
        .map((pattern) => `${relative(root, file)} uses ${pattern.source}`);
    });
    expect(offending).toEqual([]);
  });
});
