import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Job } from '@shared/api/jobs';
import type { Role } from '@shared/permissions';
import { MeProvider } from '../auth/session';
import { fakeClient } from '../testing/fake-client';
import { job, me } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { ReportsPage } from './ReportsPage';

const REPORT_JOB = '6d2f3e4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a';

function reportJob(overrides: Partial<Job> = {}): Job {
  return job({ id: REPORT_JOB, kind: 'report.uptime', title: 'Uptime and SLA report (PDF)', total: 4, ...overrides });
}

function renderAs(role: Role, jobs: Job[]) {
  const client = fakeClient({
    'servers.facets': async () => ({ tags: [{ value: 'db', count: 2 }], environments: [{ value: 'production', count: 3 }] }),
    'reports.generate': async () => reportJob(),
    'jobs.get': async () => jobs.shift() ?? reportJob({ status: 'running', done: 2 }),
  });
  renderWithClient(
    <MeProvider me={me({ role })}>
      <ReportsPage />
    </MeProvider>,
    client,
  );
  return client;
}

describe('ReportsPage', () => {
  it('generates the chosen report, shows its progress, then the download', async () => {
    const finished = reportJob({
      status: 'succeeded',
      done: 4,
      result: {
        kind: 'report.uptime',
        type: 'uptime',
        format: 'pdf',
        servers: 2,
        period: { from: 1_700_000_000_000, to: 1_702_592_000_000 },
        artifact: { fileName: 'uptime-2023-11-14-to-2023-12-14.pdf', mimeType: 'application/pdf', bytes: 20_480, permission: 'servers:read' },
      },
    });
    const client = renderAs('viewer', [reportJob({ status: 'running', done: 2 }), finished]);
    fireEvent.click(screen.getByRole('radio', { name: 'With a tag' }));
    await screen.findByRole('option', { name: 'db (2)' });
    fireEvent.change(screen.getByLabelText('Tag'), { target: { value: 'db' } });
    fireEvent.click(screen.getByRole('radio', { name: 'Last 7 days' }));
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));

    const dialog = await screen.findByTestId('report-dialog');
    expect(within(dialog).getByTestId('report-progress')).toBeTruthy();
    expect(client.calls.find((call) => call.name === 'reports.generate')?.input).toEqual({
      type: 'uptime',
      period: { preset: '7d' },
      scope: { tags: ['db'] },
      format: 'pdf',
      slaTarget: 99.9,
    });
    const done = await within(dialog).findByTestId('report-done', {}, { timeout: 5_000 });
    expect(
      within(done)
        .getByRole('link', { name: /Download uptime-2023-11-14-to-2023-12-14\.pdf/ })
        .getAttribute('href'),
    ).toBe(`/api/v1/jobs/${REPORT_JOB}/artifact`);
    expect(within(done).getByText(/2 servers/)).toBeTruthy();
  });

  it('asks for a tag before generating a report for one', async () => {
    const client = renderAs('viewer', []);
    fireEvent.click(screen.getByRole('radio', { name: 'With a tag' }));
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    expect((await screen.findByTestId('report-tag-error')).textContent).toBe('Pick a tag');
    expect(client.calls.some((call) => call.name === 'reports.generate')).toBe(false);
  });

  it('offers the audit summary only to roles that may read the audit log', async () => {
    renderAs('viewer', []);
    expect(screen.queryByRole('radio', { name: 'Audit log summary' })).toBeNull();
    await waitFor(() => expect(screen.getByRole('radio', { name: 'Uptime and SLA report' })).toBeTruthy());
  });
});
