import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Schedule, ScheduleRun } from '@shared/api/schedules';
import type { Role } from '@shared/permissions';
import { MeProvider } from '../auth/session';
import { fakeClient, type Handlers } from '../testing/fake-client';
import { fieldError, job, me } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { JobsPage } from './JobsPage';

const SCHEDULE_ID = '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e';

function run(overrides: Partial<ScheduleRun> = {}): ScheduleRun {
  return {
    id: 1,
    scheduleId: SCHEDULE_ID,
    jobId: job().id,
    dueAt: 1_700_000_000_000,
    startedAt: 1_700_000_000_000,
    finishedAt: 1_700_000_004_000,
    outcome: 'succeeded',
    errorCode: null,
    caughtUp: false,
    trigger: 'schedule',
    ...overrides,
  };
}

function schedule(overrides: Partial<Schedule> = {}): Schedule {
  return {
    id: SCHEDULE_ID,
    name: 'Nightly retention',
    task: 'health.retention',
    params: {},
    cron: '30 2 * * *',
    timezone: 'Europe/Berlin',
    enabled: true,
    catchUp: true,
    createdAt: 1_700_000_000_000,
    createdBy: 'user:alice',
    updatedAt: 1_700_000_000_000,
    nextRunAt: 1_700_090_000_000,
    lastRun: run({ outcome: 'failed', errorCode: 'BUSY' }),
    ...overrides,
  };
}

function renderAs(role: Role, extra: Handlers = {}) {
  const client = fakeClient({
    'schedules.list': async () => ({ items: [schedule()] }),
    'schedules.tasks': async () => ({
      items: [
        { kind: 'audit.prune', summary: 'Remove old audit events.', params: { type: 'object', properties: {} }, permission: 'audit:admin' },
        { kind: 'health.retention', summary: 'Prune health results.', params: { type: 'object', properties: {} }, permission: 'servers:write' },
        { kind: 'report.generate', summary: 'Make a report.', params: { type: 'object', properties: { folder: { type: 'string' } } }, permission: null },
      ],
    }),
    'schedules.outputFolders': async () => ({ default: '/data/guardian/reports', folders: ['/srv/reports'] }),
    'schedules.runs': async () => ({
      items: [run({ id: 2, trigger: 'manual' }), run({ outcome: 'skipped', errorCode: 'BUSY', finishedAt: 1_700_000_000_000 })],
    }),
    'jobs.list': async () => ({ items: [job({ status: 'succeeded', done: 3, total: 3 })] }),
    ...extra,
  });
  renderWithClient(
    <MeProvider me={me({ role })}>
      <JobsPage />
    </MeProvider>,
    client,
  );
  return client;
}

describe('JobsPage schedules', () => {
  it('lists schedules with their cron, zone, last run and next run, and the recent jobs', async () => {
    renderAs('operator');
    const row = await screen.findByTestId('schedule-row');
    expect(row.textContent).toContain('Nightly retention');
    expect(row.textContent).toContain('30 2 * * *');
    expect(row.textContent).toContain('Europe/Berlin');
    expect(within(row).getByText('Failed')).toBeTruthy();
    expect(within(row).getByText(/BUSY/)).toBeTruthy();
    expect(await screen.findByTestId('job-row')).toBeTruthy();
  });

  it('runs a schedule now', async () => {
    const client = renderAs('operator', { 'schedules.run': async () => job({ kind: 'health.retention', title: 'Prune health history' }) });
    fireEvent.click(await screen.findByRole('button', { name: 'Run Nightly retention now' }));
    await waitFor(() => expect(client.calls.filter((call) => call.name === 'schedules.run').map((call) => call.input)).toEqual([{ id: SCHEDULE_ID }]));
    expect(await screen.findByText('Started Nightly retention')).toBeTruthy();
  });

  it('shows a schedule’s history', async () => {
    renderAs('viewer');
    fireEvent.click(await screen.findByRole('button', { name: 'History of Nightly retention' }));
    const runs = await screen.findAllByTestId('schedule-run');
    expect(runs).toHaveLength(2);
    expect(runs[0]?.textContent).toContain('Run now');
    expect(runs[1]?.textContent).toContain('Skipped');
  });

  it('puts the contract’s cron and zone errors under their fields', async () => {
    const client = renderAs('operator', {
      'schedules.create': async () => {
        throw fieldError('VALIDATION_FAILED', [
          { path: ['cron'], message: 'Not a cron expression: it needs five fields (minute hour day month weekday), e.g. "30 2 * * *"; this has 2' },
          { path: ['timezone'], message: 'Unknown time zone "Mars/Olympus"; use an IANA name such as Europe/Berlin' },
        ]);
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Add schedule' }));
    const dialog = await screen.findByTestId('schedule-dialog');
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'Weekly' } });
    await within(dialog).findByRole('option', { name: 'health.retention' });
    fireEvent.change(within(dialog).getByLabelText('Task'), { target: { value: 'health.retention' } });
    fireEvent.change(within(dialog).getByLabelText('Cron'), { target: { value: '* *' } });
    fireEvent.change(within(dialog).getByLabelText('Time zone'), { target: { value: 'Mars/Olympus' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));

    expect((await within(dialog).findByTestId('schedule-form-cron-error')).textContent).toContain('it needs five fields');
    expect(within(dialog).getByTestId('schedule-form-timezone-error').textContent).toContain('Unknown time zone "Mars/Olympus"');
    expect(within(dialog).queryByTestId('schedule-form-error')).toBeNull();
    expect(client.calls.find((call) => call.name === 'schedules.create')?.input).toEqual({
      name: 'Weekly',
      task: 'health.retention',
      params: {},
      cron: '* *',
      timezone: 'Mars/Olympus',
      enabled: true,
      catchUp: true,
    });
  });

  it('offers only the tasks the role may run, and names the folders a report may be written to', async () => {
    renderAs('operator');
    fireEvent.click(await screen.findByRole('button', { name: 'Add schedule' }));
    const dialog = await screen.findByTestId('schedule-dialog');
    const prune = await within(dialog).findByRole<HTMLOptionElement>('option', { name: 'audit.prune (needs audit:admin)' });
    expect(prune.disabled).toBe(true);
    expect(within(dialog).getByRole<HTMLOptionElement>('option', { name: 'health.retention' }).disabled).toBe(false);
    fireEvent.change(within(dialog).getByLabelText('Task'), { target: { value: 'report.generate' } });
    await waitFor(() =>
      expect(within(dialog).getByTestId('schedule-form-params').closest('.field')?.textContent).toContain('/data/guardian/reports, /srv/reports'),
    );
  });

  it('hides run, add, edit and delete from a role that may not change jobs', async () => {
    renderAs('viewer');
    await screen.findByTestId('schedule-row');
    expect(screen.queryByRole('button', { name: 'Add schedule' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Run Nightly retention now/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Edit Nightly retention' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete Nightly retention' })).toBeNull();
    expect(screen.queryByRole('checkbox', { name: 'Nightly retention enabled' })).toBeNull();
  });
});
