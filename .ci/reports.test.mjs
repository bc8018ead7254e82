// The closing count is honest: every passed and failed test of both runners is counted, a step
// that failed counts once, a missing report counts as a failure, and the failures are named last
// with the first lines of why (CI keeps only the tail of the output).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closing, firstLines, tally } from './reports.mjs';

const vitestReport = (tests, extra = {}) => ({
  numPassedTests: tests.filter((test) => test.status === 'passed').length,
  numFailedTests: tests.filter((test) => test.status === 'failed').length,
  numPendingTests: tests.filter((test) => test.status === 'skipped').length,
  numTodoTests: 0,
  success: tests.every((test) => test.status !== 'failed'),
  testResults: [{ name: '/repo/main/core/a.test.ts', status: 'passed', assertionResults: tests }],
  ...extra,
});
const playwrightReport = (tests) => ({
  stats: {
    expected: tests.filter((test) => test.status === 'expected').length,
    unexpected: tests.filter((test) => test.status === 'unexpected').length,
    flaky: 0,
    skipped: tests.filter((test) => test.status === 'skipped').length,
  },
  suites: [{ specs: [{ file: 'vault.spec.ts', title: 'lock and unlock', tests }] }],
  errors: [],
});

describe('the closing count', () => {
  it('adds both runners and the static steps, and ends with the line CI reads', () => {
    const count = tally(
      [
        { name: 'lint', ok: true },
        { name: 'npm audit', ok: false, skipped: 'no network' },
      ],
      vitestReport([
        { fullName: 'a works', status: 'passed' },
        { fullName: 'b works', status: 'passed' },
      ]),
      playwrightReport([{ status: 'expected' }]),
      '/repo',
    );
    assert.deepEqual([count.passed, count.failed, count.skipped], [4, 0, 1]);
    const text = closing(count);
    assert.equal(text.split('\n').at(-1), '4 passed, 0 failed');
    assert.match(text, /1 not run:\n {2}npm audit: no network/);
    assert.doesNotMatch(text, /failed:\n/);
  });

  it('names each failed test with the first lines of its message, after what did not run', () => {
    const message = '\u001b[31mAssertionError: expected 4 to be 5\u001b[39m\n\n    at guesses.test.ts:40:7\n' + 'x'.repeat(500);
    const count = tally(
      [{ name: 'lint', ok: false }],
      vitestReport([
        { fullName: 'guesses lock after five', status: 'failed', failureMessages: [message] },
        { fullName: 'later', status: 'skipped' },
      ]),
      playwrightReport([{ status: 'unexpected', results: [{ error: { message: 'Timed out 5000ms waiting for expect(locator)' } }] }]),
      '/repo',
    );
    assert.equal(count.failed, 3);
    const text = closing(count);
    assert.ok(text.indexOf('not run:') < text.indexOf('3 failed:'));
    assert.match(text, /main\/core\/a\.test\.ts: guesses lock after five\n {6}AssertionError: expected 4 to be 5\n {10}at guesses/);
    assert.match(text, /vault\.spec\.ts: lock and unlock\n {6}Timed out 5000ms/);
    assert.match(text, /lint: the step failed/);
    assert.ok(!text.includes('\u001b'), 'no colour codes');
    assert.ok(
      text.split('\n').every((line) => line.length <= 250),
      'a long line is cut',
    );
    assert.equal(text.split('\n').at(-1), '0 passed, 3 failed');
  });

  it('counts a missing report, a file that failed to load, and no build as failures', () => {
    assert.equal(tally([], null, null, '/repo').failed, 2);
    assert.match(closing(tally([], null, undefined, '/repo')), /playwright: not run, because the build failed/);
    const unloadable = vitestReport([], {
      success: false,
      testResults: [{ name: '/repo/main/b.test.ts', status: 'failed', message: 'SyntaxError: bad import', assertionResults: [] }],
    });
    const count = tally([], unloadable, playwrightReport([]), '/repo');
    assert.equal(count.failed, 1);
    assert.match(closing(count), /main\/b\.test\.ts: the file failed to load\n {6}SyntaxError: bad import/);
  });

  it('keeps at most six lines of a message', () => {
    assert.equal(firstLines('1\n2\n3\n4\n5\n6\n7\n8').split('\n').length, 6);
  });
});
