import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, EMPTY_FILTER, filterInput, isFiltered, JOB_FINISHED, rangeProblem } from './audit-filter';

const form = (overrides: Partial<typeof EMPTY_FILTER>) => ({ ...EMPTY_FILTER, ...overrides });

describe('audit filter → audit.list input', () => {
  it('leaves every unset field out, so an empty bar lists everything', () => {
    expect(filterInput(EMPTY_FILTER)).toEqual({});
    expect(isFiltered(EMPTY_FILTER)).toBe(false);
    expect(filterInput(form({ actor: '   ', q: '' }))).toEqual({});
  });

  it('trims text and passes method, target, outcome and words as they are', () => {
    expect(filterInput(form({ actor: ' alice ', action: 'servers.update', target: 'server:7d1f', outcome: 'PERMISSION_DENIED', q: ' web-01 db ' }))).toEqual({
      actor: 'alice',
      action: 'servers.update',
      target: 'server:7d1f',
      outcome: 'PERMISSION_DENIED',
      q: 'web-01 db',
    });
    expect(filterInput(form({ outcome: 'error' }))).toEqual({ outcome: 'error' });
  });

  it('reads the time range in local time and includes the whole last minute', () => {
    const input = filterInput(form({ from: '2026-11-22T09:00', to: '2026-11-22T10:30' }));
    expect(input.from).toBe(new Date(2026, 10, 22, 9, 0).getTime());
    // The contract's `to` is exclusive: an event at 10:30:45 is still shown.
    expect(input.to).toBe(new Date(2026, 10, 22, 10, 31).getTime());
  });

  it('ignores a half-typed date and says when the range ends before it starts', () => {
    expect(filterInput(form({ from: '2026-11-' }))).toEqual({});
    expect(rangeProblem(form({ from: '2026-11-22T10:00', to: '2026-11-21T10:00' }))).toBe('The range ends before it starts');
    expect(rangeProblem(form({ from: '2026-11-22T10:00', to: '2026-11-22T10:00' }))).toBeUndefined();
  });

  it('offers the audited contract methods and job.finished, not the reads', () => {
    expect(AUDIT_ACTIONS).toContain('servers.create');
    expect(AUDIT_ACTIONS).toContain('audit.export');
    expect(AUDIT_ACTIONS).not.toContain('servers.list');
    expect(AUDIT_ACTIONS).not.toContain('audit.list');
    expect(AUDIT_ACTIONS[AUDIT_ACTIONS.length - 1]).toBe(JOB_FINISHED);
  });
});
