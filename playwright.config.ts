import { availableParallelism } from 'node:os';
import { defineConfig } from '@playwright/test';

// Debian's Chromium, never a downloaded browser. The flags keep a headless Chromium from
// reaching out to the network, which this machine (and CI) does not have.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  // e2e/electron.spec.ts needs Electron's binary: where it is missing the spec reports itself
  // as not run, with the reason; the GitHub workflow runs it under xvfb.
  outputDir: 'test-results',
  // A spec file's tests share one `guardian serve` (e2e/fixtures.ts) and run in order, in one
  // worker; files share nothing (each worker starts its own serve over its own data folder), so
  // they run side by side. A file whose tests share no state says `mode: 'parallel'`, and its tests
  // are shared out too (e2e/accessibility.spec.ts). At least two workers: much of a flow is
  // waiting on the browser.
  fullyParallel: false,
  workers: Math.max(2, availableParallelism()),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? '.reports/playwright.json' }]],
  use: {
    browserName: 'chromium',
    viewport: { width: 1400, height: 900 },
    launchOptions: { executablePath: process.env.GUARDIAN_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
    // A failed test keeps its trace: every action with the DOM before and after, the network and
    // the console, plus a screenshot of the end. Not the trace's filmstrip: screencasting every
    // frame was a third of the flows' CPU (86 → 65 CPU-s on three specs), on every test, to be
    // thrown away when it passes.
    trace: { mode: 'retain-on-failure', screenshots: false },
    screenshot: 'only-on-failure',
  },
});
