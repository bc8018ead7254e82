import { describe, expect, it } from 'vitest';
import type { TaskInfo } from '@shared/api/schedules';
import { checkForm, paramsTemplate, scheduleErrors, valuesFrom } from './schedule-form';

const REPORT_TASK: TaskInfo = {
  kind: 'report.generate',
  summary: 'Make a report.',
  params: {
    type: 'object',
    properties: {
      type: { type: 'string', enum: ['uptime', 'inventory', 'audit-summary'] },
      period: { anyOf: [{ type: 'object', properties: { preset: { type: 'string', enum: ['7d', '30d', '90d'] } }, required: ['preset'] }] },
      scope: { default: {}, type: 'object' },
      format: { type: 'string', enum: ['csv', 'json', 'html', 'pdf'] },
      slaTarget: { default: 99.9, type: 'number' },
    },
    required: ['type', 'period', 'format'],
  },
  permission: null,
};
const NO_PARAMS: TaskInfo = { kind: 'health.retention', summary: 'Prune.', params: { type: 'object', properties: {} }, permission: 'servers:write' };

describe('schedule form', () => {
  it('starts a task’s params from its schema: required fields, first choices', () => {
    expect(JSON.parse(paramsTemplate(REPORT_TASK))).toEqual({ type: 'uptime', period: { preset: '7d' }, format: 'csv' });
    expect(paramsTemplate(NO_PARAMS)).toBe('{}');
  });

  it('sends params only for a task that takes them, and refuses params that are not a JSON object', () => {
    const values = { ...valuesFrom(undefined, 'Europe/Berlin'), name: ' Nightly ', cron: ' @daily ', params: '{ "oops": 1 }' };
    expect(checkForm(values, NO_PARAMS)).toMatchObject({ ok: true, fields: { name: 'Nightly', cron: '@daily', params: {} } });
    expect(checkForm({ ...values, params: '{"format": "pdf"' }, REPORT_TASK)).toMatchObject({
      ok: false,
      errors: { params: expect.stringMatching(/^Not valid JSON/) },
    });
    expect(checkForm({ ...values, params: '[1]' }, REPORT_TASK)).toMatchObject({ ok: false, errors: { params: expect.stringMatching(/JSON object/) } });
  });

  it('places params issues with their inner path', () => {
    expect(
      scheduleErrors([
        { path: ['params', 'period', 'preset'], message: 'Invalid option' },
        { path: ['catchUp'], message: 'odd' },
      ]),
    ).toEqual({
      errors: { params: 'period.preset: Invalid option' },
      other: ['odd'],
    });
  });
});
