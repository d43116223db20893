import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The web page's bundle: built by Vite from adapters/web/page into dist/web, on `npm ci` (the
 * `prepare` script) and by `npm start` when it is missing or stale. Stale means the sources it is
 * built from changed: the page itself, the API schema modules it imports (application/, domain/,
 * the API's schema and role modules) and the locked dependencies; a hash of them is kept beside
 * the bundle.
 */

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PAGE_OUT = join(repo, 'dist', 'web');
const STAMP = join(PAGE_OUT, '.source-hash');
const SOURCES = [
  'adapters/web/page',
  'adapters/web/vite.config.ts',
  'adapters/http/api-schemas.ts',
  'adapters/http/roles.ts',
  'application',
  'domain',
  'package-lock.json',
];

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** A hash of every source file the bundle is built from (names and contents). */
export function pageSourceHash(): string {
  const hash = createHash('sha256');
  const files = SOURCES.flatMap((s) => filesUnder(join(repo, s))).sort();
  for (const file of files)
    hash.update(relative(repo, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

export type PageBundle =
  | { readonly built: true; readonly root: string; readonly fresh: 'up to date' | 'rebuilt' }
  | { readonly built: false; readonly reason: string };

/** Builds the bundle unless it is up to date; says where it is, or why there is none. */
export async function ensurePageBuilt(): Promise<PageBundle> {
  const hash = pageSourceHash();
  const index = join(PAGE_OUT, 'index.html');
  if (existsSync(index) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === hash)
    return { built: true, root: PAGE_OUT, fresh: 'up to date' };
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    // An install without the dev dependencies (npm ci --omit=dev) cannot build: keep what is there.
    return existsSync(index)
      ? { built: true, root: PAGE_OUT, fresh: 'up to date' }
      : { built: false, reason: 'the page is not built and Vite is not installed (run npm ci)' };
  }
  await vite.build({ configFile: join(repo, 'adapters', 'web', 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(STAMP, `${hash}\n`);
  return { built: true, root: PAGE_OUT, fresh: 'rebuilt' };
}

// `tsx adapters/web/build.ts` (the `prepare` script): build when stale, say what happened.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bundle = await ensurePageBuilt();
  // Not an error: an install without the dev dependencies serves the API without the page.
  if (!bundle.built) process.stderr.write(`web page: ${bundle.reason}\n`);
  else process.stdout.write(`web page: ${bundle.fresh} (${relative(repo, bundle.root)})\n`);
}
