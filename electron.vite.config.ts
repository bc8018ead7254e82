import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

// One build for every process: the Electron main process and the headless CLI (out/main),
// the sandboxed preload (CommonJS, out/preload) and the renderer (out/renderer). The report
// worker is an entry of its own (out/main/report-worker.js): a worker thread loads it by path
// (main/core/reports/run-in-worker.ts).
/** The path aliases of tsconfig.json (`@shared/…`, `@core/…`), for every build. */
const alias = { '@shared': resolve('shared'), '@core': resolve('main/core') };

/** Pure-JS dependencies bundled into out/main instead of loaded from node_modules module by module. */
const BUNDLED_DEPENDENCIES = [
  'drizzle-orm',
  'zod',
  'commander',
  'csv-parse',
  'csv-stringify',
  'otpauth',
  'ssh-config',
  'jsonc-parser',
  'croner',
  'canonicalize',
];

export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      // Dependencies stay in node_modules and load from there, except these pure-JS ones, which
      // are bundled: each is hundreds of small modules (drizzle-orm's 137, zod's 95 at one CLI
      // command's start), and resolving, reading and compiling them one by one was a third of
      // the CPU a `guardian` command took to start. Native modules, and those that load files or
      // workers by path (pino, better-sqlite3, ssh2, pdfkit's fonts), stay external.
      externalizeDeps: { exclude: BUNDLED_DEPENDENCIES },
      rollupOptions: {
        input: {
          desktop: resolve('main/desktop/index.ts'),
          cli: resolve('main/headless/cli.ts'),
          start: resolve('main/headless/start.ts'),
          'report-worker': resolve('main/core/reports/report-worker.ts'),
        },
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    resolve: { alias },
    build: {
      rollupOptions: {
        input: { index: resolve('preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('renderer'),
    resolve: { alias },
    plugins: [react()],
    build: {
      minify: true,
      sourcemap: false,
      rollupOptions: { input: { index: resolve('renderer/index.html') } },
    },
  },
});
