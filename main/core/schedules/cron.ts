import { Cron } from 'croner';
import type { ValidationIssue } from '@shared/api/errors';

/**
 * Cron expressions in a time zone, through croner. Five fields (minute hour day month weekday)
 * or a nickname (@daily): a job needs no second-level schedule, and the scheduler looks at its
 * schedules at least once a minute anyway.
 *
 * Daylight saving, as croner handles a fixed-time expression such as "30 2 * * *": a local time
 * that does not exist (the spring gap) runs at the first time after the gap (03:00); a local time
 * that occurs twice (the autumn overlap) runs once, at its first occurrence. Expressions with a
 * wildcard or a step in the time fields ("*\/15 * * * *") are interval jobs: they skip times in
 * the gap and run at both occurrences in the overlap.
 */

export interface Timing {
  cron: string;
  timezone: string;
}

/**
 * Parsed expressions, by zone and text; small (one per distinct schedule timing). Each keeps the
 * due times it worked out, by the time they follow: the scheduler asks for the same one at every
 * wake until the schedule runs, and walking the calendar in a zone is the costly part.
 */
const compiled = new Map<string, { cron: Cron; next: Map<number, number | null> }>();
const COMPILED_MAX = 1_000;
const NEXT_MAX = 64;

function compile(timing: Timing): { cron: Cron; next: Map<number, number | null> } {
  const key = `${timing.timezone} ${timing.cron}`;
  let entry = compiled.get(key);
  if (!entry) {
    entry = { cron: new Cron(timing.cron, { timezone: timing.timezone, paused: true, mode: '5-part' }), next: new Map() };
    if (compiled.size >= COMPILED_MAX) compiled.clear();
    compiled.set(key, entry);
  }
  return entry;
}

/** The first due time strictly after `after` (UTC ms), or null when the expression never matches again. */
export function nextDue(timing: Timing, after: number): number | null {
  const { cron, next } = compile(timing);
  let due = next.get(after);
  if (due === undefined) {
    due = cron.nextRun(new Date(after))?.getTime() ?? null;
    if (next.size >= NEXT_MAX) next.clear();
    next.set(after, due);
  }
  return due;
}

/** The last due time at or before `at`, or null when there is none. */
export function latestDue(timing: Timing, at: number): number | null {
  return (
    compile(timing)
      .cron.previousRuns(1, new Date(at + 1))[0]
      ?.getTime() ?? null
  );
}

/** The zone's canonical IANA name (`utc` → `UTC`), or null when there is no such zone. */
export function canonicalZone(timezone: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** The zone of the machine Guardian runs on. */
export const machineZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

const cleanMessage = (error: unknown) => (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '');

/** What is wrong with an expression and a zone, as form issues (empty: both fine). */
export function timingIssues(timing: Timing, now: number): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const fields = timing.cron.trim().split(/\s+/).length;
  if (!timing.cron.trim().startsWith('@') && fields !== 5) {
    issues.push({
      path: ['cron'],
      message: `Not a cron expression: it needs five fields (minute hour day month weekday), e.g. "30 2 * * *"; this has ${fields}`,
    });
  } else {
    try {
      new Cron(timing.cron, { paused: true, mode: '5-part' });
    } catch (error) {
      issues.push({ path: ['cron'], message: `Not a cron expression: ${cleanMessage(error)}` });
    }
  }
  try {
    // croner checks a zone only when it computes a run in it.
    new Cron('0 0 * * *', { timezone: timing.timezone, paused: true }).nextRun(new Date(now));
  } catch {
    issues.push({ path: ['timezone'], message: `Unknown time zone "${timing.timezone}"; use an IANA name such as Europe/Berlin` });
  }
  if (issues.length === 0 && nextDue(timing, now) === null) {
    issues.push({ path: ['cron'], message: `"${timing.cron}" never matches a time from now on` });
  }
  return issues;
}
