import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const NODE_TESTS = ['main', 'shared', 'preload', 'bench'];

/**
 * The Node test files that replace a module with `vi.mock`: a mock takes effect only where the
 * module is imported afresh, so these run isolated, each in its own module graph.
 */
function filesThatMockModules(): string[] {
  return nodeTestFiles((text) => /\bvi\.(do)?[mM]ock\(/.test(text));
}

/** The Node test files whose text passes `test`, relative to the root. */
function nodeTestFiles(test: (text: string) => boolean): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.test.ts') && test(readFileSync(path, 'utf8'))) found.push(relative(root, path));
    }
  };
  for (const dir of NODE_TESTS) visit(join(root, dir));
  return found;
}

/**
 * The Node test files that drive a test core on the default engine (main/core/testing/harness.ts),
 * which the project below runs a second time with every such core on PostgreSQL. A file that
 * already names its engines (useEngines, `engine: 'postgres'`, or each of `['sqlite', 'postgres']`) runs both in one pass.
 */
function filesOnTheDefaultEngine(): string[] {
  return nodeTestFiles(
    (text) => /\b(useTempCore|tempCore|serveTempCore)\(/.test(text) && !/\buseEngines\(|engine: 'postgres'|\['sqlite', 'postgres'\]/.test(text),
  );
}

const mocking = filesThatMockModules();
/** Stryker's (`npm run mutation`) extra set-up, which switches a mutant on before the code under test loads. */
const underStryker = process.env.GUARDIAN_TEST_ISOLATE === '1' ? ['.ci/stryker-static-activation.mjs'] : [];
/** The path aliases of tsconfig.json, which Vite does not read by itself. */
const resolve = { alias: { '@shared': join(root, 'shared'), '@core': join(root, 'main/core') } };
// GUARDIAN_STRICT_WRITES: a write that did not wait for its turn at the database fails loudly
// instead of being logged (main/core/db/sqlite-engine.ts); the CLI and serve children inherit it.
const nodeTest = { environment: 'node', testTimeout: 30_000, hookTimeout: 60_000, pool: 'forks', env: { GUARDIAN_STRICT_WRITES: '1' } } as const;

function postgresProject() {
  return {
    resolve,
    // The same suites with every test core on PostgreSQL (docs/architecture.md §11): what a
    // user runs on either engine is proven on both. Vitest hands out the projects' files in the
    // order of the projects' names, and a capital sorts before the others: this project's files
    // are the run's slowest (the permission matrix alone takes minutes here), and handed out
    // last, that matrix was the run's tail for five minutes on two cores.
    test: {
      ...nodeTest,
      name: 'PostgreSQL (node)',
      include: filesOnTheDefaultEngine(),
      exclude: mocking,
      env: { ...nodeTest.env, GUARDIAN_TEST_ENGINE: 'postgres' },
      // As in 'node': files share each worker's module cache (never under Stryker, see below).
      isolate: false,
    },
  };
}

export default defineConfig({
  test: {
    // Three workers on two cores: many files spend their time waiting on a child process or a
    // socket, and a third worker fills that time (measured in docs/quality.md, Running the tests).
    maxWorkers: 3,
    // One PostgreSQL server for the whole run, started when a file first asks for it (docs/architecture.md §11).
    globalSetup: ['main/core/testing/postgres-global-setup.ts'],
    projects: [
      {
        resolve,
        // Files share each worker's module cache instead of importing the core afresh, which
        // took a third of the suite's CPU: every file isolates its own data (a temp data dir, port
        // 0, its own children) and keeps no state in a module.
        test: {
          ...nodeTest,
          name: 'node',
          include: NODE_TESTS.map((dir) => `${dir}/**/*.test.ts`),
          exclude: mocking,
          // Stryker sets GUARDIAN_TEST_ISOLATE: a mutant of a module's top level (a table, a
          // constant) exists only where the module is imported afresh, and only if it is switched
          // on before that import (.ci/stryker-static-activation.mjs).
          isolate: process.env.GUARDIAN_TEST_ISOLATE === '1',
          setupFiles: underStryker,
        },
      },
      {
        resolve,
        test: { ...nodeTest, name: 'node (module mocks)', include: mocking, setupFiles: underStryker },
      },
      // Not under Stryker (GUARDIAN_TEST_ISOLATE): a mutant is killed or not by the same tests on
      // SQLite, and the PostgreSQL pass would double the time every mutant takes.
      ...(process.env.GUARDIAN_TEST_ISOLATE === '1' ? [] : [postgresProject()]),
      {
        plugins: [react()],
        resolve,
        test: {
          name: 'dom',
          environment: 'happy-dom',
          // One document and module cache per worker, not per file: a fresh happy-dom window and
          // React per file was most of this project's time. renderer/src/testing/setup.ts empties
          // the page and resets the app's stores after every test.
          isolate: false,
          setupFiles: ['renderer/src/testing/setup.ts'],
          include: ['renderer/**/*.test.{ts,tsx}'],
          testTimeout: 15_000,
        },
      },
    ],
  },
});
