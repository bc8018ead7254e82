import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { test as base, type Page } from '@playwright/test';
import { saveChecks, slugOf, trackRoutes } from './testing/accessibility';

const root = resolve(import.meta.dirname, '..');
export const artifacts = join(root, 'e2e', 'artifacts');

export interface Guardian {
  url: string;
  dataDir: string;
  /** The one-time first-run token serve wrote to the data dir (it printed the link `url#setup=…`). */
  setupToken: string;
}

/** A running built `guardian serve --ui`, and the URL it printed on its first line. */
export interface Serve {
  child: ChildProcess;
  url: string;
}

/** Starts the built `guardian serve --ui` over `dataDir` on `port` (0: a free loopback port), with `env` added to its environment. */
export async function serveBuilt(dataDir: string, port = 0, env: NodeJS.ProcessEnv = {}): Promise<Serve> {
  const child = spawn(
    process.execPath,
    [join(root, 'out', 'main', 'cli.js'), 'serve', '--ui', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      // A write that did not wait for its turn at the database fails the flow instead of being logged.
      env: { ...process.env, GUARDIAN_STRICT_WRITES: '1', ...env },
    },
  );
  const stdout = child.stdout;
  if (!stdout) throw new Error('guardian serve has no standard output pipe');
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error('guardian serve did not print its URL within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`guardian serve exited with ${code} before listening`)));
    createInterface({ input: stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolveUrl(line.trim());
    });
  });
  return { child, url };
}

/** Starts the built `guardian serve --ui` on a free loopback port with an empty data dir. */
async function startGuardian(): Promise<{ guardian: Guardian; child: ChildProcess }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'guardian-e2e-'));
  const { child, url } = await serveBuilt(dataDir);
  const setupToken = readFileSync(join(dataDir, 'setup-token'), 'utf8').trim();
  return { guardian: { url, dataDir, setupToken }, child };
}

/** One Guardian per spec file, with its own empty data dir, started on first use. */
type GuardianPool = (file: string) => Promise<Guardian>;

/** A test's name (without its file) as a file name. */
const testSlug = (titlePath: readonly string[]) => slugOf(titlePath.slice(1).join('-'));

export const test = base.extend<{ guardian: Guardian; shot: (name: string) => Promise<void>; accessibility: void }, { guardians: GuardianPool }>({
  guardians: [
    // Playwright reads the fixtures a function needs from its destructuring: this one needs none.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const started = new Map<string, Promise<{ guardian: Guardian; child: ChildProcess }>>();
      try {
        await use((file) => {
          let entry = started.get(file);
          if (!entry) {
            entry = startGuardian();
            started.set(file, entry);
          }
          return entry.then(({ guardian }) => guardian);
        });
      } finally {
        for (const entry of started.values()) {
          const { guardian, child } = await entry;
          child.kill('SIGTERM');
          await new Promise((done) => (child.exitCode === null ? child.once('exit', done) : done(null)));
          rmSync(guardian.dataDir, { recursive: true, force: true });
        }
      }
    },
    { scope: 'worker' },
  ],
  guardian: async ({ guardians }, use, testInfo) => {
    await use(await guardians(testInfo.file));
  },
  /** Saves a full-page screenshot under e2e/artifacts/ (git-ignored), named after the test. */
  shot: async ({ page }, use, testInfo) => {
    mkdirSync(artifacts, { recursive: true });
    await use(async (name: string) => {
      const slug = testSlug([...testInfo.titlePath, name]);
      await page.screenshot({ path: join(artifacts, `${slug}.png`), fullPage: true });
    });
  },
  /**
   * Every route a test's page shows must have had `expectAccessible` run on it
   * (e2e/support/accessibility.ts): a new page or flow cannot skip the axe check by forgetting it.
   */
  accessibility: [
    async ({ page }, use, testInfo) => {
      const routes = trackRoutes(page);
      await use();
      saveChecks(testSlug(testInfo.titlePath), routes.checks());
      const unchecked = routes.unchecked();
      // A test that already failed says why itself; this adds the pages it left unchecked.
      if (unchecked.length > 0 && testInfo.status === 'passed') {
        throw new Error(`This test showed ${unchecked.join(', ')} without calling expectAccessible(page, …) there`);
      }
    },
    { auto: true },
  ],
});

export async function openApp(page: Page, guardian: Guardian): Promise<void> {
  await page.goto(guardian.url);
}

export { expect } from '@playwright/test';
export { expectAccessible } from './testing/accessibility';
