import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

// One build for every process: the Electron main process and the headless CLI (out/main),
// the sandboxed preload (CommonJS, out/preload) and the renderer (out/renderer). The report
// worker is an entry of its own (out/main/report-worker.js): a worker thread loads it by path
// (main/core/reports/run-in-worker.ts).
/** The path aliases of tsconfig.json (`@shared/…`, `@core/…`), for every build. */
const alias = { '@shared': resolve('shared'), '@core': resolve('main/core') };

export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      externalizeDeps: true,
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
