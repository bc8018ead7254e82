import { describe, expect, it } from 'vitest';
import { formErrors, initialForm, reportInput, type ReportForm } from './report-form';

const form = (overrides: Partial<ReportForm> = {}): ReportForm => ({ ...initialForm(new Date(2026, 10, 22)), ...overrides });

describe('report form → reports.generate input', () => {
  it('starts as a 30-day PDF uptime report over every server at 99.9 %', () => {
    expect(reportInput(form())).toEqual({
      ok: true,
      input: { type: 'uptime', period: { preset: '30d' }, scope: {}, format: 'pdf', slaTarget: 99.9 },
    });
  });

  it('turns custom days into local midnights, the last day included', () => {
    const checked = reportInput(form({ period: 'custom', from: '2026-11-01', to: '2026-11-30' }));
    expect(checked.ok && checked.input.period).toEqual({ from: new Date(2026, 10, 1).getTime(), to: new Date(2026, 11, 1).getTime() });
  });

  it('narrows to a tag or an environment', () => {
    const tagged = reportInput(form({ scope: 'tag', tag: 'db' }));
    expect(tagged.ok && tagged.input.scope).toEqual({ tags: ['db'] });
    const staged = reportInput(form({ type: 'inventory', scope: 'environment', environment: 'staging', format: 'csv' }));
    expect(staged).toEqual({
      ok: true,
      input: { type: 'inventory', period: { preset: '30d' }, scope: { environment: 'staging' }, format: 'csv', slaTarget: 99.9 },
    });
  });

  it('leaves servers and the SLA target out of an audit summary', () => {
    const checked = reportInput(form({ type: 'audit-summary', scope: 'tag', tag: '', slaTarget: 'nonsense', format: 'html' }));
    expect(checked.ok && checked.input.scope).toEqual({});
  });

  it('puts the contract’s messages under the fields', () => {
    expect(reportInput(form({ period: 'custom', from: '2026-11-30', to: '2026-11-01' }))).toEqual({
      ok: false,
      errors: { to: 'The period must start before it ends' },
      other: [],
    });
    expect(reportInput(form({ period: 'custom', from: '2024-01-01', to: '2026-11-01' }))).toMatchObject({
      ok: false,
      errors: { from: 'A report covers at most 400 days' },
    });
    expect(reportInput(form({ slaTarget: '120' }))).toMatchObject({ ok: false, errors: { slaTarget: 'The SLA target is a percentage from 0 to 100' } });
    expect(reportInput(form({ scope: 'environment' }))).toMatchObject({ ok: false, errors: { environment: 'Pick an environment' } });
  });

  it('places a server answer’s issues by their path', () => {
    expect(
      formErrors([
        { path: ['period', 'to'], message: 'ends too early' },
        { path: ['scope', 'tags', 0], message: 'not a tag' },
        { path: ['format'], message: 'no such format' },
      ]),
    ).toEqual({ errors: { to: 'ends too early', tag: 'not a tag' }, other: ['no such format'] });
  });
});
