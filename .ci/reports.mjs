// The closing count of `npm test`, read from the runners' JSON reports and the static steps'
// results: how many passed and failed, what did not run and why, and what failed with the first
// lines of why (CI keeps only the tail of the output, so the failures are printed last).
import { relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

/** The first lines of a failure's message, indented, without colour codes. */
export function firstLines(text, count = 6) {
  return stripVTControlCharacters(String(text ?? ''))
    .split('\n')
    .map((line) => line.trimEnd())
    .filter(Boolean)
    .slice(0, count)
    .map((line) => `      ${line.slice(0, 240)}`)
    .join('\n');
}

/**
 * @param {{ name: string, ok: boolean, skipped?: string }[]} steps the static steps' results
 * @param {object | null} vitest Vitest's JSON report, or null when none was written
 * @param {object | null | undefined} playwright Playwright's JSON report; undefined when it could not run (no build)
 * @param {string} cwd the folder test files are named from
 */
export function tally(steps, vitest, playwright, cwd) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const notRun = [];
  const failures = [];
  for (const step of steps) {
    if (step.skipped) {
      skipped++;
      notRun.push(`${step.name}: ${step.skipped}`);
    } else if (step.ok) passed++;
    else {
      failed++;
      failures.push(`${step.name}: the step failed (its output is above)`);
    }
  }

  if (vitest) {
    passed += vitest.numPassedTests ?? 0;
    failed += vitest.numFailedTests ?? 0;
    skipped += (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0);
    for (const file of vitest.testResults ?? []) {
      const name = relative(cwd, file.name);
      for (const test of file.assertionResults ?? []) {
        if (['pending', 'skipped', 'todo'].includes(test.status)) notRun.push(`${name}: ${test.fullName}`);
        if (test.status === 'failed') failures.push(`${name}: ${test.fullName}\n${firstLines(test.failureMessages?.[0])}`);
      }
      if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) {
        failures.push(`${name}: the file failed to load\n${firstLines(file.message)}`);
      }
    }
    if (vitest.success === false && (vitest.numFailedTests ?? 0) === 0) failed++; // a suite failed to load
  } else {
    failed++;
    failures.push('vitest: no report was written');
  }

  if (playwright === undefined) {
    failed++;
    failures.push('playwright: not run, because the build failed');
  } else if (playwright?.stats) {
    passed += (playwright.stats.expected ?? 0) + (playwright.stats.flaky ?? 0);
    failed += playwright.stats.unexpected ?? 0;
    skipped += playwright.stats.skipped ?? 0;
    const walk = (suite) => {
      for (const spec of suite.specs ?? []) {
        for (const test of spec.tests ?? []) {
          if (test.status === 'unexpected') failures.push(`${spec.file}: ${spec.title}\n${firstLines(test.results?.at(-1)?.error?.message)}`);
          if (test.status !== 'skipped') continue;
          const reason = (test.annotations ?? []).find((note) => note.type === 'skip')?.description;
          notRun.push(`${spec.file}: ${spec.title}${reason ? ` (${reason})` : ''}`);
        }
      }
      for (const child of suite.suites ?? []) walk(child);
    };
    for (const suite of playwright.suites ?? []) walk(suite);
    for (const error of playwright.errors ?? []) failures.push(`playwright: ${firstLines(error.message, 1).trim()}`);
    if ((playwright.errors ?? []).length > 0) failed++;
  } else {
    failed++;
    failures.push('playwright: no report was written');
  }
  return { passed, failed, skipped, notRun, failures };
}

/** What is printed after the times table: what did not run, what failed, then the closing line alone. */
export function closing({ passed, failed, skipped, notRun, failures }) {
  const parts = [];
  if (skipped) parts.push(`${skipped} not run:\n${notRun.map((line) => `  ${line}`).join('\n')}`);
  if (failures.length > 0) parts.push(`${failures.length} failed:\n${failures.map((line) => `  ${line}`).join('\n')}`);
  parts.push(`${passed} passed, ${failed} failed`);
  return parts.join('\n\n');
}
