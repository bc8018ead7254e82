import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import axe, { type AxeResults, type ImpactValue, type NodeResult, type Result, type RunOptions } from 'axe-core';

// axe-core on every screen the flows show, in both themes. A spec calls
// `await expectAccessible(page, 'servers')` once a screen has settled; the `accessibility`
// fixture (e2e/fixtures.ts) fails any test that visited a route without such a call on it.

export type ThemeName = 'light' | 'dark';
export const THEMES: readonly ThemeName[] = ['light', 'dark'];

/** What fails a test. Moderate and minor findings are reported (attached) but do not fail. */
const BLOCKING: readonly ImpactValue[] = ['serious', 'critical'];

/**
 * axe leaves its experimental rules off; label-content-name-mismatch (WCAG 2.5.3, a visible
 * label that is not part of the accessible name) is one of them and matters to voice control.
 */
const AXE_OPTIONS: RunOptions = { rules: { 'label-content-name-mismatch': { enabled: true } } };

const ARTIFACTS = resolve(import.meta.dirname, '..', 'artifacts');
/** Each test's findings, screen by screen and theme by theme. */
const REPORTS = join(ARTIFACTS, 'axe');
/** Screens in both themes, where a spec asks for them (the pages whose colours were fixed). */
const SCREENSHOTS = join(ARTIFACTS, 'themes');

/** A name as a file name. */
export const slugOf = (name: string) =>
  name
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();

/** Time added to a test's timeout for each check (both themes). */
const CHECK_BUDGET_MS = 30_000;

export interface Finding {
  rule: string;
  impact: ImpactValue | null;
  help: string;
  nodes: { target: string; summary: string; contrast?: string }[];
}

export interface Check {
  screen: string;
  theme: ThemeName;
  route: string;
  findings: Finding[];
}

/** Per page: the routes it visited and the ones checked while on them, and every check's result. */
interface PageLog {
  visited: Set<string>;
  checked: Set<string>;
  checks: Check[];
}

const logs = new WeakMap<Page, PageLog>();

/**
 * The route a URL shows, with ids taken out: `#/servers/<id>/health` → `#/servers/:id/health`.
 * Like the app's router, a hash that names no page (`#setup=…`, none) shows the start page.
 */
export function routeOf(url: string): string {
  const hash = new URL(url).hash;
  if (!/^#\/./.test(hash)) return '#/ (start)';
  return hash.replace(/^#\/servers\/[^/]+\/health$/, '#/servers/:id/health');
}

/** Starts recording the routes `page` visits; `unchecked` later names those never checked. */
export function trackRoutes(page: Page): { unchecked(): string[]; checks(): Check[] } {
  const log: PageLog = { visited: new Set(), checked: new Set(), checks: [] };
  logs.set(page, log);
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame() && frame.url().startsWith('http')) log.visited.add(routeOf(frame.url()));
  });
  return {
    unchecked: () => [...log.visited].filter((route) => !log.checked.has(route)),
    checks: () => log.checks,
  };
}

function contrastOf(node: NodeResult): string | undefined {
  const data = node.any.find((check) => check.id === 'color-contrast')?.data as
    { fgColor?: string; bgColor?: string; contrastRatio?: number; expectedContrastRatio?: string } | undefined;
  if (!data?.contrastRatio) return undefined;
  return `${data.fgColor} on ${data.bgColor}: ${data.contrastRatio}:1, needs ${data.expectedContrastRatio}`;
}

function findingOf(result: Result): Finding {
  return {
    rule: result.id,
    impact: result.impact ?? null,
    help: result.help,
    nodes: result.nodes.map((node) => ({
      target: node.target.join(' '),
      summary: node.failureSummary?.split('\n').slice(0, 2).join(' ') ?? '',
      contrast: contrastOf(node),
    })),
  };
}

/** The page's globals these checks read (e2e is type-checked without the DOM library). */
interface BrowserGlobals {
  localStorage: { getItem(key: string): string | null };
  matchMedia(query: string): { matches: boolean };
  document: unknown;
  requestAnimationFrame(callback: () => void): number;
  axe?: { run(context: unknown, options: RunOptions): Promise<AxeResults> };
}

/**
 * Puts axe-core into the page's document, once: its source is 1.3 MB, and evaluating it took about
 * a second a time on a loaded machine (@axe-core/playwright's AxeBuilder evaluated it twice per
 * run, four times per screen). The app is one document (hash routes), so a flow pays this once
 * per page load. `<same_origin>` as AxeBuilder's legacy mode sets it: the app has no frames.
 */
async function injectAxe(page: Page): Promise<void> {
  const present = await page.evaluate(() => (globalThis as unknown as BrowserGlobals).axe !== undefined);
  if (!present) await page.evaluate(`${axe.source};axe.configure({ allowedOrigins: ['<same_origin>'] });`);
}

/** One axe run over the whole document as it is now, with `options`: what it found wrong. */
async function runAxe(page: Page, options: RunOptions): Promise<Result[]> {
  await injectAxe(page);
  return page.evaluate(async (runOptions) => {
    const browser = globalThis as unknown as BrowserGlobals;
    if (!browser.axe) throw new Error('axe-core is not in the page');
    // Only the violations cross back: the passes and the rest are most of a result's size.
    return (await browser.axe.run(browser.document, runOptions)).violations;
  }, options);
}

/** Shows `theme` the way a person gets it without choosing: the operating system's preference. */
async function showTheme(page: Page, theme: ThemeName): Promise<void> {
  await page.emulateMedia({ colorScheme: theme, reducedMotion: 'reduce' });
  // The toggle pins data-theme; a theme chosen in this page would hide the other one from the check.
  const pinned = await page.evaluate(() => {
    try {
      return (globalThis as unknown as BrowserGlobals).localStorage.getItem('guardian.theme');
    } catch {
      return null;
    }
  });
  if (pinned !== null) throw new Error(`expectAccessible: this page chose the ${pinned} theme, so only that one can be checked`);
  await expect(page.locator('html')).not.toHaveAttribute('data-theme', theme === 'dark' ? 'light' : 'dark');
  // The app follows the change on its own time (the media query's change event, then React and
  // what it redraws, such as a chart's legend): two frames on, it has painted the new theme.
  await page.evaluate(
    () =>
      new Promise<void>((done) => {
        const { requestAnimationFrame } = globalThis as unknown as BrowserGlobals;
        requestAnimationFrame(() => requestAnimationFrame(() => done()));
      }),
  );
}

function describe(check: Check): string {
  return check.findings
    .map(
      (finding) =>
        `  ${finding.impact ?? 'unknown'} ${finding.rule} (${finding.help}):\n${finding.nodes.map((node) => `    ${node.target}${node.contrast ? ` — ${node.contrast}` : ''}`).join('\n')}`,
    )
    .join('\n');
}

/**
 * Runs axe on the screen as it is now, in the light and the dark theme, attaches every finding to
 * the report, and fails (softly: the flow goes on and reports every screen) on a serious or
 * critical one. Animations are reduced while it runs, so a fading dialog is judged as it ends.
 */
export async function expectAccessible(page: Page, screen: string, { screenshot = false } = {}): Promise<void> {
  const before = await page.evaluate(() => {
    const browser = globalThis as unknown as BrowserGlobals;
    return { dark: browser.matchMedia('(prefers-color-scheme: dark)').matches, reduced: browser.matchMedia('(prefers-reduced-motion: reduce)').matches };
  });
  const route = routeOf(page.url());
  const log = logs.get(page);
  // The check is not what the test's timeout measures; on a loaded machine axe takes seconds.
  test.info().setTimeout(test.info().timeout + CHECK_BUDGET_MS);
  try {
    for (const theme of THEMES) {
      await showTheme(page, theme);
      // axe runs in the page itself, as AxeBuilder's legacy mode does, instead of opening a page
      // per run to merge frames' results: the app has no frames (its CSP allows none).
      let violations = await runAxe(page, AXE_OPTIONS);
      // A finding must hold on a second look, a moment later: once, right after the switch to the
      // dark theme, Chromium gave a text its light colour on the dark surface (#636c7c on #161920, a
      // colour no theme pairs), and the same screen passed in every other run. A real failure
      // is still there the second time.
      if (violations.some((violation) => violation.impact && BLOCKING.includes(violation.impact))) {
        await page.waitForTimeout(500);
        await showTheme(page, theme);
        violations = await runAxe(page, AXE_OPTIONS);
      }
      const check: Check = { screen, theme, route, findings: violations.map(findingOf) };
      log?.checks.push(check);
      const info = test.info();
      if (screenshot) await page.screenshot({ path: join(SCREENSHOTS, `${slugOf(screen)}-${theme}.png`), fullPage: true });
      await info.attach(`axe ${screen} (${theme})`, { body: JSON.stringify(check, null, 2), contentType: 'application/json' });
      const blocking = check.findings.filter((finding) => finding.impact !== null && BLOCKING.includes(finding.impact));
      expect.soft(blocking.length, `axe on ${screen} (${theme} theme):\n${describe({ ...check, findings: blocking })}`).toBe(0);
    }
  } finally {
    await page.emulateMedia({ colorScheme: before.dark ? 'dark' : 'light', reducedMotion: before.reduced ? 'reduce' : 'no-preference' });
  }
  log?.checked.add(route);
}

/** Writes one test's checks under e2e/artifacts/axe/ (git-ignored; CI keeps it as an artifact). */
export function saveChecks(slug: string, checks: readonly Check[]): void {
  if (checks.length === 0) return;
  mkdirSync(REPORTS, { recursive: true });
  writeFileSync(join(REPORTS, `${slug}.json`), JSON.stringify(checks, null, 2));
}
