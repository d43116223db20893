import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * The bundle runs in the browser: a module that imports a Node built-in (server code reached
 * through a schema module) fails the build instead of being stubbed out with a warning.
 */
const noNodeBuiltins: Plugin = {
  name: 'oms-no-node-builtins',
  enforce: 'pre',
  resolveId(id, importer) {
    if (isBuiltin(id))
      this.error(`${importer ?? 'the page'} imports the Node built-in ${id}: server code in the page`);
    return null;
  },
};

/**
 * The web page's bundle (adapters/web/build.ts runs it): Preact with TypeScript, uPlot for the
 * charts, the API's zod schemas imported from their modules. Everything is bundled (no CDN), hashed
 * file names under /assets/ (cached for good by the service), no inline script (the CSP forbids it).
 */
export default defineConfig({
  root: fileURLToPath(new URL('./page', import.meta.url)),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  plugins: [noNodeBuiltins],
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // No inline assets: the CSP allows scripts and styles from the page's own origin only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
});
