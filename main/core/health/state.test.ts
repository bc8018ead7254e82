import { describe, expect, it } from 'vitest';
import type { CheckStatus } from './check';
import {
  type CheckState,
  type CheckStateRecord,
  type StateChange,
  initialCheckState,
  nextCheckState,
  pauseCheckState,
  resumeCheckState,
  serverStatus,
} from './state';

const U: CheckStatus = 'up';
const G: CheckStatus = 'degraded';
const D: CheckStatus = 'down';

/** Feeds results in order; returns the final state and every change on the way. */
function feed(start: CheckStateRecord, results: CheckStatus[], confirmAfter = 2, muted = false) {
  let state = start;
  const changes: StateChange[] = [];
  for (const status of results) {
    const step = nextCheckState(state, { status }, { confirmAfter, muted });
    state = step.state;
    if (step.change) changes.push(step.change);
  }
  return { state: state.state, changes: changes.map((c) => `${c.from}>${c.to}`) };
}

const at = (state: CheckStatus): CheckStateRecord => ({ state, pending: null });

describe('nextCheckState (flap damping)', () => {
  const cases: { name: string; start: CheckStateRecord; results: CheckStatus[]; n?: number; state: CheckState; changes: string[] }[] = [
    { name: 'first result of a new check is its state at once', start: initialCheckState, results: [D], state: 'down', changes: ['unknown>down'] },
    { name: 'one down among ups changes nothing', start: at(U), results: [D, U, D, U], state: 'up', changes: [] },
    { name: 'two downs in a row go down', start: at(U), results: [D, D], state: 'down', changes: ['up>down'] },
    { name: 'a streak broken by the current status starts over', start: at(U), results: [D, U, D], state: 'up', changes: [] },
    { name: 'down then degraded from up lands in between', start: at(U), results: [D, G], state: 'degraded', changes: ['up>degraded'] },
    { name: 'degraded then down from up lands in between', start: at(U), results: [G, D], state: 'degraded', changes: ['up>degraded'] },
    { name: 'then two more downs reach down', start: at(U), results: [G, D, D, D], state: 'down', changes: ['up>degraded', 'degraded>down'] },
    { name: 'recovery from down via up, degraded lands on degraded', start: at(D), results: [U, G], state: 'degraded', changes: ['down>degraded'] },
    { name: 'recovery needs N ups', start: at(D), results: [U, U], state: 'up', changes: ['down>up'] },
    { name: 'from degraded, worse then better resets the streak', start: at(G), results: [D, U, D, U], state: 'degraded', changes: [] },
    { name: 'from degraded, two ups go up', start: at(G), results: [D, U, U], state: 'up', changes: ['degraded>up'] },
    { name: 'N = 3 needs three', start: at(U), results: [D, D], n: 3, state: 'up', changes: [] },
    { name: 'N = 3 with three', start: at(U), results: [D, D, D], n: 3, state: 'down', changes: ['up>down'] },
    { name: 'N = 1 follows every result', start: at(U), results: [D, U, G], n: 1, state: 'degraded', changes: ['up>down', 'down>up', 'up>degraded'] },
    { name: 'N below 1 behaves as 1', start: at(U), results: [D], n: 0, state: 'down', changes: ['up>down'] },
    { name: 'a paused check ignores results', start: pauseCheckState(), results: [D, D, D], state: 'paused', changes: [] },
    { name: 'a resumed check starts over from unknown', start: resumeCheckState(), results: [U], state: 'up', changes: ['unknown>up'] },
    { name: 'steady state emits no change', start: at(U), results: [U, U, U], state: 'up', changes: [] },
  ];
  it.each(cases)('$name', ({ start, results, n, state, changes }) => {
    expect(feed(start, results, n)).toEqual({ state, changes });
  });

  it('carries the pending streak in the state, and clears it on a settled result', () => {
    const one = nextCheckState(at(U), { status: D }, { confirmAfter: 3, muted: false });
    expect(one).toEqual({ state: { state: 'up', pending: { status: 'down', count: 1 } } });
    expect(nextCheckState(one.state, { status: U }, { confirmAfter: 3, muted: false })).toEqual({ state: at(U) });
  });

  it('marks a change muted during maintenance, and still changes state', () => {
    const step = nextCheckState({ state: 'up', pending: { status: 'down', count: 1 } }, { status: D }, { confirmAfter: 2, muted: true });
    expect(step).toEqual({ state: at(D), change: { from: 'up', to: 'down', muted: true } });
    expect(nextCheckState(step.state, { status: U }, { confirmAfter: 1, muted: false }).change).toEqual({ from: 'down', to: 'up', muted: false });
  });

  it('does not mutate the state it is given', () => {
    const start = Object.freeze({ state: 'up' as const, pending: Object.freeze({ status: 'down' as const, count: 1 }) });
    expect(() => nextCheckState(start, { status: D }, { confirmAfter: 2, muted: false })).not.toThrow();
    expect(start.pending.count).toBe(1);
  });
});

describe('serverStatus (worst wins)', () => {
  const cases: { states: CheckState[]; expected: string }[] = [
    { states: [], expected: 'unknown' },
    { states: ['up', 'up'], expected: 'up' },
    { states: ['up', 'degraded'], expected: 'degraded' },
    { states: ['degraded', 'down', 'up'], expected: 'down' },
    { states: ['up', 'unknown'], expected: 'unknown' },
    { states: ['degraded', 'unknown'], expected: 'degraded' },
    { states: ['down', 'paused'], expected: 'down' },
    { states: ['up', 'paused'], expected: 'up' },
    { states: ['paused', 'paused'], expected: 'paused' },
    { states: ['unknown'], expected: 'unknown' },
  ];
  it.each(cases)('$states → $expected', ({ states, expected }) => {
    expect(serverStatus(states)).toBe(expected);
  });
});
