import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { OperationRunWithTargets, OperationTarget, OutputChunk } from '@shared/api/operations';
import type { Runbook } from '@shared/api/runbooks';
import type { Role } from '@shared/permissions';
import { MeProvider } from '../auth/session';
import { fakeClient, type Handlers } from '../testing/fake-client';
import { appError, fieldError, job, me, server } from '../testing/fixtures';
import { withLayout } from '../testing/layout';
import { renderWithClient } from '../testing/render';
import { OperationsPage } from './OperationsPage';
import { runOnServers, useOperationsView } from './operations-store';
import { countsOf } from './use-operation-events';

withLayout();
afterEach(() => useOperationsView.setState({ runId: null, serverId: null, draft: null }));

const RUN_ID = '0c9b8a7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';
const OLD_RUN_ID = '1d0c9b8a-7e6f-4a3b-8c2d-1e0f9a8b7c6d';
const WEB1 = server({ id: 'a1b2c3d4-0000-4000-8000-000000000001', name: 'web-1', tags: ['web'], environment: 'prod' });
const WEB2 = server({ id: 'a1b2c3d4-0000-4000-8000-000000000002', name: 'web-2', tags: ['web'], environment: 'staging' });
const DB1 = server({ id: 'a1b2c3d4-0000-4000-8000-000000000003', name: 'db-1', tags: ['db'], environment: 'prod' });
const FLEET = [WEB1, WEB2, DB1];
const ESC = '\u001b';

function target(serverId: string, serverName: string, overrides: Partial<OperationTarget> = {}): OperationTarget {
  return {
    serverId,
    serverName,
    address: `${serverName}.example.com:22`,
    state: 'queued',
    exitCode: null,
    message: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    outputBytes: 0,
    truncated: false,
    outputSha256: null,
    ...overrides,
  };
}

function run(targets: OperationTarget[], overrides: Partial<OperationRunWithTargets> = {}): OperationRunWithTargets {
  return {
    id: RUN_ID,
    jobId: '2e1d0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b',
    command: 'systemctl restart nginx',
    runbook: null,
    params: {},
    sudo: false,
    rerunOf: null,
    selector: { serverIds: [], tags: ['web'], environments: [] },
    concurrency: 10,
    timeoutSeconds: 300,
    rolling: null,
    stopReason: null,
    file: null,
    status: 'running',
    // The signed-in user (testing/fixtures.ts me()).
    createdBy: `user:${me().id}`,
    createdAt: Date.now() - 5_000,
    finishedAt: null,
    counts: countsOf(targets),
    targets,
    ...overrides,
  };
}

const threeTargets = () => FLEET.map((each) => target(each.id, each.name));

function renderAs(role: Role, extra: Handlers = {}) {
  const client = fakeClient({
    'servers.list': async () => ({ items: FLEET, total: FLEET.length }),
    'servers.facets': async () => ({ tags: [{ value: 'web', count: 2 }], environments: [{ value: 'prod', count: 2 }] }),
    'operations.runs': async () => ({ items: [] }),
    ...extra,
  });
  renderWithClient(
    <MeProvider me={me({ role })}>
      <OperationsPage />
    </MeProvider>,
    client,
  );
  return client;
}

const callsOf = (client: ReturnType<typeof renderAs>, name: string) => client.calls.filter((call) => call.name === name).map((call) => call.input);
const cellOf = (name: string) => screen.getAllByTestId('target-cell').find((cell) => cell.getAttribute('aria-label')?.startsWith(`${name}:`)) as HTMLElement;
/** Delivers target events as one batch, then waits (boundedly: renders are slow under load) until `applied` holds. */
async function targetEvents(client: ReturnType<typeof renderAs>, events: (OperationTarget & { runId: string })[], applied: () => void) {
  act(() => {
    for (const event of events) client.emit('operation.target', event);
  });
  await waitFor(applied, { timeout: 5_000 });
}

describe('OperationsPage', () => {
  it('previews which servers the selector matches, by the service’s rule, and runs the command on them', async () => {
    const client = renderAs('admin', {
      'operations.run': async (input) => ({
        ...run([target(WEB1.id, 'web-1'), target(DB1.id, 'db-1')], { command: input.command }),
        job: job({ kind: 'operations.run', status: 'running', total: 2 }),
      }),
    });
    const form = await screen.findByTestId('run-form');
    fireEvent.change(within(form).getByLabelText('Tags'), { target: { value: 'web' } });
    await waitFor(() => expect(screen.getByTestId('run-preview').textContent).toContain('Matches 2 servers'));
    expect(screen.getByTestId('run-preview-names').textContent).toBe('web-1, web-2');
    // Tags and environments both given: both must match.
    fireEvent.change(within(form).getByLabelText('Environments'), { target: { value: 'prod' } });
    expect(screen.getByTestId('run-preview-names').textContent).toBe('web-1');
    // A server named always runs.
    fireEvent.change(screen.getByTestId('run-form-server'), { target: { value: 'DB-1' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add server' }));
    expect(screen.getByTestId('run-preview-names').textContent).toBe('web-1, db-1');
    expect(within(screen.getByTestId('run-form-chosen')).getByRole('button', { name: 'Remove db-1' })).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Run on 2 servers' }));
    expect(await screen.findByText('Enter the command each server runs, e.g. uptime.')).toBeTruthy();
    expect(callsOf(client, 'operations.run')).toEqual([]);
    fireEvent.change(within(form).getByLabelText('Command'), { target: { value: 'uptime' } });
    fireEvent.change(within(form).getByLabelText('At a time'), { target: { value: '5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Run on 2 servers' }));
    await waitFor(() =>
      expect(callsOf(client, 'operations.run')).toEqual([
        { command: 'uptime', targets: { serverIds: [DB1.id], tags: ['web'], environments: ['prod'] }, concurrency: 5, timeoutSeconds: 300, rolling: null },
      ]),
    );
    const view = await screen.findByTestId('run-view');
    expect(
      within(view)
        .getAllByTestId('target-cell')
        .map((cell) => cell.dataset.state),
    ).toEqual(['queued', 'queued']);
    expect(within(view).getByRole('heading', { level: 2 }).textContent).toBe('Run uptime');
  });

  it('says a server name that is not in the fleet, and places the service’s refusal under the targets', async () => {
    renderAs('owner', {
      'operations.run': async () => {
        const { AppError } = await import('@shared/api');
        throw new AppError('VALIDATION_FAILED', 'The selector matches no server.', {
          hint: 'Check the tags and environments.',
          issues: [{ path: ['targets'], message: 'Matches no server' }],
        });
      },
    });
    const form = await screen.findByTestId('run-form');
    fireEvent.change(screen.getByTestId('run-form-server'), { target: { value: 'mail-9' } });
    fireEvent.keyDown(screen.getByTestId('run-form-server'), { key: 'Enter' });
    expect(screen.getByTestId('run-form-targets-error').textContent).toBe('There is no server named mail-9.');
    fireEvent.change(within(form).getByLabelText('Command'), { target: { value: 'true' } });
    fireEvent.change(within(form).getByLabelText('Tags'), { target: { value: 'web' } });
    await waitFor(() => expect(screen.getByRole('button', { name: 'Run on 2 servers' })).toBeTruthy());
    fireEvent.click(screen.getByRole('button', { name: 'Run on 2 servers' }));
    await waitFor(() => expect(screen.getByTestId('run-form-targets-error').textContent).toBe('Matches no server'));
  });

  it('runs in batches when the Rolling section says so, checking what is typed and placing the service’s refusal', async () => {
    const client = renderAs('admin', {
      'operations.run': async (input) => {
        const { AppError } = await import('@shared/api');
        if (input.rolling?.maxFailPercent === 120) {
          throw new AppError('VALIDATION_FAILED', 'Some fields are not valid.', {
            hint: 'Correct them.',
            issues: [{ path: ['rolling', 'maxFailPercent'], message: 'At most 100%' }],
          });
        }
        return { ...run([target(WEB1.id, 'web-1'), target(WEB2.id, 'web-2')]), job: job({ kind: 'operations.run', status: 'running', total: 2 }) };
      },
    });
    const form = await screen.findByTestId('run-form');
    expect(screen.getByTestId('run-form-rolling').hasAttribute('open')).toBe(false);
    fireEvent.change(within(form).getByLabelText('Command'), { target: { value: 'deploy' } });
    fireEvent.change(within(form).getByLabelText('Tags'), { target: { value: 'web' } });
    fireEvent.change(within(form).getByLabelText('Batch size'), { target: { value: 'half' } });
    await waitFor(() => expect(screen.getByRole('button', { name: 'Run on 2 servers' })).toBeTruthy());
    fireEvent.click(screen.getByRole('button', { name: 'Run on 2 servers' }));
    expect((await screen.findByTestId('run-form-batch-size-error')).textContent).toBe('A number of servers, e.g. 2, or a percentage of them, e.g. 25%.');
    expect(callsOf(client, 'operations.run')).toEqual([]);

    fireEvent.change(within(form).getByLabelText('Batch size'), { target: { value: '50%' } });
    fireEvent.change(within(form).getByLabelText('Stop past (% failed)'), { target: { value: '120' } });
    fireEvent.click(screen.getByRole('button', { name: 'Run on 2 servers' }));
    await waitFor(() => expect(screen.getByTestId('run-form-max-fail-error').textContent).toBe('At most 100%'));
    fireEvent.change(within(form).getByLabelText('Stop past (% failed)'), { target: { value: '20' } });
    fireEvent.click(screen.getByRole('button', { name: 'Run on 2 servers' }));
    await waitFor(() => expect(callsOf(client, 'operations.run')).toHaveLength(2));
    expect(callsOf(client, 'operations.run')[1]).toMatchObject({ command: 'deploy', rolling: { batchSize: '50%', maxFailPercent: 20 } });
  });

  it('shows which batch a rolling run is in, and why one stopped at its threshold', async () => {
    useOperationsView.setState({ runId: RUN_ID });
    const rolling = { batchSize: 1, maxFailPercent: 0, perBatch: 1, batches: 3 };
    const client = renderAs('admin', { 'operations.get': async () => run(threeTargets(), { rolling }) });
    await screen.findByTestId('run-view');
    expect(screen.getByTestId('run-batch').textContent).toBe('Batch 1 of 3');
    // The run lists web-1, web-2, db-1: batch 2 is web-2's.
    await targetEvents(
      client,
      [
        { runId: RUN_ID, ...target(WEB1.id, 'web-1', { state: 'succeeded', exitCode: 0 }) },
        { runId: RUN_ID, ...target(WEB2.id, 'web-2', { state: 'running' }) },
      ],
      () => expect(screen.getByTestId('run-batch').textContent).toBe('Batch 2 of 3'),
    );
    expect(screen.getByTestId('run-batches').textContent).toContain('In batches of 1 target, stopping past 0% failed');
    cleanup();

    const reason = 'Stopped at the failure threshold: 1 of 3 targets failed by the end of batch 1 of 3, more than the 0% allowed; 2 not run';
    const skipped = { state: 'skipped' as const, message: 'Not run: 1 of 3 targets failed by the end of batch 1 of 3, more than the 0% allowed' };
    const stopped = run([target(WEB1.id, 'web-1', { state: 'failed', exitCode: 3 }), target(WEB2.id, 'web-2', skipped), target(DB1.id, 'db-1', skipped)], {
      rolling: { ...rolling, batchSize: '34%' },
      stopReason: reason,
      status: 'finished',
      finishedAt: Date.now(),
    });
    renderAs('admin', { 'operations.get': async () => stopped });
    expect((await screen.findByTestId('run-stop-reason')).textContent).toBe(reason);
    expect(screen.queryByTestId('run-batch')).toBeNull();
    expect(screen.getByTestId('run-status').textContent).toBe('Stopped at the failure threshold');
    expect(screen.getByTestId('run-batches').textContent).toContain('In batches of 1 target (34%)');
    fireEvent.click(cellOf('web-2'));
    expect((await screen.findByTestId('target-panel')).textContent).toContain(skipped.message);
  });

  it('starts the form with the servers “Run on these” handed over', async () => {
    runOnServers([WEB2.id, DB1.id]);
    expect(window.location.hash).toBe('#/operations');
    renderAs('admin');
    await waitFor(() => expect(screen.getByTestId('run-preview-names').textContent).toBe('web-2, db-1'));
    expect(within(screen.getByTestId('run-form-chosen')).getAllByRole('button', { name: /^Remove / })).toHaveLength(2);
    expect(useOperationsView.getState().draft).toBeNull();
  });

  it('follows a run live: the grid, the counts and the bar move with each target’s events', async () => {
    useOperationsView.setState({ runId: RUN_ID });
    const client = renderAs('admin', { 'operations.get': async () => run(threeTargets()) });
    await screen.findByTestId('run-view');
    expect(screen.getByTestId('run-progress').getAttribute('aria-valuetext')).toBe('0 of 3 (0%)');
    await targetEvents(
      client,
      [
        { runId: RUN_ID, ...target(WEB1.id, 'web-1', { state: 'succeeded', exitCode: 0, durationMs: 1_200 }) },
        { runId: RUN_ID, ...target(WEB2.id, 'web-2', { state: 'failed', exitCode: 3, message: 'exited with 3' }) },
        { runId: RUN_ID, ...target(DB1.id, 'db-1', { state: 'running' }) },
        // Another run's event changes nothing here.
        { runId: OLD_RUN_ID, ...target(DB1.id, 'db-1', { state: 'failed' }) },
      ],
      () => expect(cellOf('db-1').dataset.state).toBe('running'),
    );
    expect(cellOf('web-1').dataset.state).toBe('succeeded');
    expect(cellOf('web-2').getAttribute('aria-label')).toBe('web-2: Failed, exit 3');
    expect(cellOf('db-1').dataset.state).toBe('running');
    expect(screen.getByTestId('run-count-succeeded').textContent).toContain('Succeeded 1');
    expect(screen.getByTestId('run-count-failed').textContent).toContain('Failed 1');
    expect(screen.getByTestId('run-count-running').textContent).toContain('Running 1');
    expect(screen.getByTestId('run-progress').getAttribute('aria-valuetext')).toBe('2 of 3 (67%)');

    // An older event arriving after the end does not take a target back.
    // (In the same batch as a change that shows when the batch is in.)
    await targetEvents(
      client,
      [
        { runId: RUN_ID, ...target(WEB1.id, 'web-1', { state: 'running' }) },
        { runId: RUN_ID, ...target(DB1.id, 'db-1', { state: 'succeeded', exitCode: 0 }) },
      ],
      () => expect(cellOf('db-1').dataset.state).toBe('succeeded'),
    );
    expect(cellOf('web-1').dataset.state).toBe('succeeded');
  });

  it('shows a target’s output live, then as stored: ANSI colours, stderr set apart, the cut marker boxed', async () => {
    useOperationsView.setState({ runId: RUN_ID });
    const stored: OutputChunk[] = [
      { t: 1, stream: 'stdout', text: `status: ${ESC}[32mactive${ESC}[0m\n` },
      { t: 2, stream: 'stderr', text: 'warning: config reloaded\n' },
      { t: 3, stream: 'stderr', text: '\n[guardian: output cut here; 4096 more bytes were printed and not stored]\n' },
    ];
    const client = renderAs('auditor', {
      'operations.get': async () => run([target(WEB1.id, 'web-1', { state: 'running' }), target(WEB2.id, 'web-2')]),
      'operations.output': async () => ({ chunks: stored, outputBytes: 70_000, truncated: true }),
    });
    await screen.findByTestId('run-view');
    fireEvent.click(cellOf('web-1'));
    expect(cellOf('web-1').getAttribute('aria-pressed')).toBe('true');
    const panel = screen.getByTestId('target-panel');
    act(() => client.emit('operation.output', { runId: RUN_ID, items: [{ serverId: WEB1.id, chunks: [{ t: 1, stream: 'stdout', text: `${ESC}[31mred ` }] }] }));
    act(() => client.emit('operation.output', { runId: RUN_ID, items: [{ serverId: WEB1.id, chunks: [{ t: 2, stream: 'stdout', text: 'still red' }] }] }));
    const live = await within(panel).findByTestId('output-text');
    expect(live.textContent).toBe('red still red');
    expect(live.querySelector('.ansi-fg-red')?.textContent).toBe('red still red');
    // An auditor reads output but cancels nothing.
    expect(screen.queryByRole('button', { name: /^Cancel/ })).toBeNull();
    expect(callsOf(client, 'operations.output')).toEqual([]);

    await targetEvents(
      client,
      [{ runId: RUN_ID, ...target(WEB1.id, 'web-1', { state: 'succeeded', exitCode: 0, truncated: true, outputBytes: 70_000 }) }],
      () => expect(cellOf('web-1').dataset.state).toBe('succeeded'),
    );
    await waitFor(() => expect(callsOf(client, 'operations.output')).toEqual([{ id: RUN_ID, serverId: WEB1.id }]));
    await waitFor(() => expect(within(panel).getByTestId('output-text').textContent).toContain('status: active'));
    const text = within(panel).getByTestId('output-text');
    expect(text.querySelector('.ansi-fg-green')?.textContent).toBe('active');
    const stderr = text.querySelector('[data-stream="stderr"]');
    expect(stderr?.textContent).toBe('warning: config reloaded\n');
    expect(stderr?.className).toBe('op-output__err');
    expect(within(panel).getByTestId('output-marker').textContent).toBe('[guardian: output cut here; 4096 more bytes were printed and not stored]');
    expect(within(panel).getByTestId('target-state').textContent).toContain('Succeeded');

    // stderr alone.
    fireEvent.click(within(panel).getByTestId('output-filter-stderr'));
    expect(within(panel).getByTestId('output-text').textContent).not.toContain('status: active');
    expect(within(panel).getByTestId('output-text').textContent).toContain('warning: config reloaded');
  });

  it('moves through the targets with the arrow keys and opens one with Enter', async () => {
    useOperationsView.setState({ runId: RUN_ID });
    renderAs('admin', { 'operations.get': async () => run(threeTargets()) });
    await screen.findByTestId('run-view');
    const cells = screen.getAllByTestId('target-cell');
    // One cell in the tab order, the first.
    expect(cells.map((cell) => cell.tabIndex)).toEqual([0, -1, -1]);
    act(() => cells[0]?.focus());
    fireEvent.keyDown(cells[0] as HTMLElement, { key: 'ArrowRight' });
    await waitFor(() => expect(document.activeElement).toBe(cellOf('web-2')));
    expect(cellOf('web-2').tabIndex).toBe(0);
    fireEvent.keyDown(cellOf('web-2'), { key: 'End' });
    await waitFor(() => expect(document.activeElement).toBe(cellOf('db-1')));
    // A button: Enter clicks it.
    fireEvent.click(cellOf('db-1'));
    expect(within(screen.getByTestId('target-panel')).getByRole('heading', { level: 3 }).textContent).toContain('db-1');
  });

  it('cancels the whole run, or one target', async () => {
    useOperationsView.setState({ runId: RUN_ID });
    const client = renderAs('admin', {
      'operations.get': async () => run([target(WEB1.id, 'web-1', { state: 'running' }), target(WEB2.id, 'web-2')]),
      'operations.cancel': async () => run([]),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel run' }));
    await waitFor(() => expect(callsOf(client, 'operations.cancel')).toEqual([{ id: RUN_ID }]));
    fireEvent.click(cellOf('web-1'));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel web-1' }));
    await waitFor(() => expect(callsOf(client, 'operations.cancel')).toContainEqual({ id: RUN_ID, serverId: WEB1.id }));
  });

  it('lists runs newest first with how each went, who ran it and its counts, and opens one', async () => {
    const finished = run(
      [target(WEB1.id, 'web-1', { state: 'succeeded' }), target(WEB2.id, 'web-2', { state: 'succeeded' }), target(DB1.id, 'db-1', { state: 'failed' })],
      { id: OLD_RUN_ID, command: 'df -h /', status: 'finished', createdBy: 'user:9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a', finishedAt: Date.now() },
    );
    const running = run(threeTargets());
    const client = renderAs('viewer', {
      'operations.runs': async () => ({ items: [running, finished].map(({ targets: _targets, ...rest }) => rest) }),
      'operations.get': async (input) => (input.id === OLD_RUN_ID ? finished : running),
    });
    const rows = await screen.findAllByTestId('history-row');
    expect(rows.map((row) => row.dataset.status)).toEqual(['running', 'finished']);
    expect(rows[1]?.textContent).toContain('df -h /');
    expect(rows[1]?.textContent).toContain('Finished with failures');
    expect(rows[1]?.textContent).toContain('2 of 3 succeeded');
    expect(rows[1]?.textContent).toContain('1 failed');
    // Who ran it: the signed-in user by name; another account, which a viewer may not list, by the start of its id.
    expect(rows[0]?.textContent).toContain('alice');
    expect(rows[1]?.textContent).toContain('user 9f8e7d6c');
    // A viewer has no form and no cancel, and sees no output.
    expect(screen.queryByTestId('run-form')).toBeNull();
    fireEvent.click(within(rows[1] as HTMLElement).getByRole('button', { name: 'Open the run of df -h /' }));
    await waitFor(() => expect(callsOf(client, 'operations.get')).toContainEqual({ id: OLD_RUN_ID }));
    const view = await screen.findByTestId('run-view');
    expect(within(view).getByTestId('run-status').textContent).toBe('Finished with failures');
    fireEvent.click(cellOf('db-1'));
    expect(screen.getByTestId('output-not-allowed')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^Cancel/ })).toBeNull();
    expect(callsOf(client, 'operations.output')).toEqual([]);
  });

  it('keeps 500 targets cheap: a burst of 1,000 events is applied at once, and a larger run draws only the rows in view', async () => {
    useOperationsView.setState({ runId: RUN_ID });
    const many = (count: number) =>
      Array.from({ length: count }, (_, index) => target(`00000000-0000-4000-8000-${String(index).padStart(12, '0')}`, `srv-${index}`));
    const targets = many(500);
    let answer = run(targets);
    const client = renderAs('admin', { 'operations.get': async () => answer });
    await screen.findByTestId('run-view');
    await targetEvents(
      client,
      [
        ...targets.map((each) => ({ runId: RUN_ID, ...each, state: 'running' as const })),
        ...targets.map((each, index) => ({ runId: RUN_ID, ...each, state: index % 10 === 0 ? ('failed' as const) : ('succeeded' as const) })),
      ],
      () => expect(screen.getByTestId('run-count-succeeded').textContent).toContain('Succeeded 450'),
    );
    expect(screen.getByTestId('run-count-failed').textContent).toContain('Failed 50');
    expect(screen.getByTestId('run-progress').getAttribute('aria-valuetext')).toBe('500 of 500 (100%)');
    expect(screen.getAllByTestId('target-cell').filter((cell) => cell.dataset.state === 'failed').length).toBeGreaterThan(0);

    answer = run(many(5_000), { id: OLD_RUN_ID });
    act(() => useOperationsView.getState().openRun(OLD_RUN_ID));
    await waitFor(() => expect(screen.getByTestId('run-progress').getAttribute('aria-valuetext')).toBe('0 of 5000 (0%)'), { timeout: 5_000 });
    const cells = screen.getAllByTestId('target-cell');
    expect(cells.length).toBeGreaterThan(300);
    expect(cells.length).toBeLessThan(1_500);
  });
});

const RUNBOOK_ID = '5e4d3c2b-1a09-4f8e-8d7c-6b5a49382716';

/** A runbook as runbooks.list answers it, open to operators unless told. */
function runbook(overrides: Partial<Runbook> = {}): Runbook {
  return {
    id: RUNBOOK_ID,
    name: 'restart-nginx',
    description: 'Restarts a service and checks it came back.',
    script: 'systemctl restart "$SERVICE"',
    params: [
      { name: 'SERVICE', type: 'string', description: 'The unit to restart.', required: true, default: 'nginx', maxLength: 4096, secret: false },
      { name: 'COUNT', type: 'number', description: '', required: true, min: 1, max: 3, integer: true },
      { name: 'MODE', type: 'choice', description: '', required: true, options: ['soft', 'hard'] },
      { name: 'TOKEN', type: 'string', description: 'The deploy token.', required: true, maxLength: 4096, secret: true },
      { name: 'HOST', type: 'server', description: '', required: true, field: 'host' },
    ],
    defaultTargets: { serverIds: [], tags: ['web'], environments: [] },
    concurrency: 10,
    timeoutSeconds: 300,
    rolling: null,
    sudo: false,
    dangerous: false,
    runnableBy: 'operator',
    version: 3,
    archivedAt: null,
    createdBy: 'user:alice',
    createdAt: 1_700_000_000_000,
    updatedBy: 'user:alice',
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

const ADMIN_ONLY = runbook({ id: '6f5e4d3c-2b1a-4f9e-8d7c-6b5a49382717', name: 'purge-cache', runnableBy: 'admin', params: [], description: '' });
const RUNBOOKS = [runbook(), ADMIN_ONLY];
const FROM_RUNBOOK = { runbook: { id: RUNBOOK_ID, name: 'restart-nginx', version: 3 } };

describe('OperationsPage: runbooks and re-runs', () => {
  it('offers each role the runbooks it may run, and the ad-hoc form to admins and owners only', async () => {
    renderAs('operator', { 'runbooks.list': async () => ({ items: RUNBOOKS }) });
    const rows = await screen.findAllByTestId('runbook-row');
    expect(rows.map((row) => row.textContent)).toEqual([expect.stringContaining('restart-nginx')]);
    expect(rows[0]?.textContent).toContain('Restarts a service and checks it came back.');
    expect(rows[0]?.textContent).toContain('3');
    expect(rows[0]?.textContent).toContain('Operators, admins and owners');
    expect(screen.queryByTestId('run-form')).toBeNull();
    cleanup();

    renderAs('admin', { 'runbooks.list': async () => ({ items: RUNBOOKS }) });
    const adminRows = await screen.findAllByTestId('runbook-row');
    expect(adminRows.map((row) => row.querySelector('.op-runbook__name')?.textContent)).toEqual(['restart-nginx', 'purge-cache']);
    expect(adminRows[1]?.textContent).toContain('Admins and owners');
    expect(screen.getByTestId('run-form')).toBeTruthy();
    cleanup();

    const client = renderAs('viewer', { 'runbooks.list': async () => ({ items: RUNBOOKS }) });
    await screen.findByTestId('history-empty');
    expect(screen.queryByRole('heading', { name: 'Runbooks' })).toBeNull();
    expect(callsOf(client, 'runbooks.list')).toEqual([]);
  });

  it('runs a runbook with its typed parameters and default targets, places the service’s refusal, and opens the run', async () => {
    let refuse = true;
    const client = renderAs('operator', {
      'runbooks.list': async () => ({ items: RUNBOOKS }),
      'runbooks.run': async (input) => {
        if (refuse) {
          refuse = false;
          throw fieldError('VALIDATION_FAILED', [{ path: ['params', 'COUNT'], message: 'At most 3' }]);
        }
        return {
          ...run([target(WEB1.id, 'web-1')], { ...FROM_RUNBOOK, command: 'systemctl restart "$SERVICE"', params: { ...input.params, TOKEN: '[redacted]' } }),
          job: job({ kind: 'operations.run', status: 'running', total: 1 }),
        };
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Run restart-nginx' }));
    const dialog = await screen.findByRole('dialog', { name: 'Run restart-nginx' });
    // The first field has focus; the default is filled in, the secret is a password input, the server field is not asked.
    const service = within(dialog).getByLabelText('SERVICE') as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(service));
    expect(service.value).toBe('nginx');
    const token = within(dialog).getByLabelText('TOKEN') as HTMLInputElement;
    expect(token.type).toBe('password');
    expect(within(dialog).queryByLabelText('HOST')).toBeNull();
    expect(within(dialog).getByTestId('runbook-server-params').textContent).toBe('From each server: HOST (its host).');
    expect(
      within(dialog)
        .getAllByRole('option')
        .map((option) => option.textContent),
    ).toEqual(['Choose one', 'soft', 'hard']);
    // Its default targets, editable, with the live preview.
    await waitFor(() => expect(within(dialog).getByTestId('runbook-preview').textContent).toContain('Matches 2 servers'));
    fireEvent.change(within(dialog).getByLabelText('Environments'), { target: { value: 'prod' } });
    expect(within(dialog).getByTestId('runbook-preview-names').textContent).toBe('web-1');

    fireEvent.click(within(dialog).getByRole('button', { name: 'Run on 1 server' }));
    expect(within(dialog).getByTestId('runbook-form-param-COUNT-error').textContent).toBe('Required');
    expect(within(dialog).getByTestId('runbook-form-param-TOKEN-error').textContent).toBe('Required');
    expect(callsOf(client, 'runbooks.run')).toEqual([]);

    fireEvent.change(within(dialog).getByLabelText('COUNT'), { target: { value: '7' } });
    fireEvent.change(within(dialog).getByLabelText('MODE'), { target: { value: 'hard' } });
    fireEvent.change(token, { target: { value: 's3cret-token' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Run on 1 server' }));
    await waitFor(() => expect(within(dialog).getByTestId('runbook-form-param-COUNT-error').textContent).toBe('At most 3'));
    const sent = {
      id: RUNBOOK_ID,
      params: { SERVICE: 'nginx', COUNT: 7, MODE: 'hard', TOKEN: 's3cret-token' },
      targets: { serverIds: [], tags: ['web'], environments: ['prod'] },
      rolling: null,
    };
    expect(callsOf(client, 'runbooks.run')).toEqual([sent]);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Run on 1 server' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(callsOf(client, 'runbooks.run')).toEqual([sent, sent]);
    const view = await screen.findByTestId('run-view');
    expect(within(view).getByRole('heading', { level: 2 }).textContent).toBe('Runbook restart-nginx, version 3');
    // The secret comes back redacted, never as typed.
    expect(within(view).getByTestId('run-params').textContent).toContain('TOKEN=[redacted]');
    expect(document.body.textContent).not.toContain('s3cret-token');
  });

  it('asks for the number of servers before running a dangerous runbook', async () => {
    const dangerous = runbook({ params: [], dangerous: true, description: '' });
    const client = renderAs('owner', {
      'runbooks.list': async () => ({ items: [dangerous] }),
      'runbooks.run': async () => ({ ...run([], FROM_RUNBOOK), job: job({ kind: 'operations.run' }) }),
    });
    const [row] = await screen.findAllByTestId('runbook-row');
    expect(within(row as HTMLElement).getByTestId('runbook-dangerous').textContent).toBe('Dangerous');
    fireEvent.click(within(row as HTMLElement).getByRole('button', { name: 'Run restart-nginx' }));
    const dialog = await screen.findByRole('dialog');
    await waitFor(() => expect(within(dialog).getByTestId('runbook-preview').textContent).toContain('Matches 2 servers'));
    const confirm = within(dialog).getByLabelText('Type the number of servers to confirm');
    fireEvent.change(confirm, { target: { value: '3' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Run on 2 servers' }));
    expect(within(dialog).getByTestId('runbook-form-confirm-error').textContent).toBe('Type 2, the number of servers it will run on, to confirm');
    await waitFor(() => expect(document.activeElement).toBe(confirm));
    expect(callsOf(client, 'runbooks.run')).toEqual([]);
    fireEvent.change(confirm, { target: { value: '2' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Run on 2 servers' }));
    await waitFor(() =>
      expect(callsOf(client, 'runbooks.run')).toEqual([
        { id: RUNBOOK_ID, params: {}, targets: { serverIds: [], tags: ['web'], environments: [] }, rolling: null, confirm: 2 },
      ]),
    );
  });

  it('re-runs the failed targets of a runbook’s run, asking again for its secret, and shows which runbook and version in the history', async () => {
    const finished = run([target(WEB1.id, 'web-1', { state: 'succeeded' }), target(WEB2.id, 'web-2', { state: 'failed', exitCode: 1 })], {
      ...FROM_RUNBOOK,
      id: OLD_RUN_ID,
      status: 'finished',
      finishedAt: Date.now(),
      params: { SERVICE: 'nginx', TOKEN: '[redacted]' },
    });
    let refuse = true;
    const client = renderAs('operator', {
      'runbooks.list': async () => ({ items: [] }),
      'operations.runs': async () => ({ items: [finished].map(({ targets: _targets, ...rest }) => rest) }),
      'operations.get': async (input) => (input.id === OLD_RUN_ID ? finished : run([target(WEB2.id, 'web-2')], { ...FROM_RUNBOOK, rerunOf: OLD_RUN_ID })),
      'operations.rerun': async () => {
        if (refuse) {
          refuse = false;
          throw fieldError('VALIDATION_FAILED', [{ path: ['params', 'TOKEN'], message: 'Secret: Guardian did not keep it; give it again' }]);
        }
        return { ...run([target(WEB2.id, 'web-2')], { ...FROM_RUNBOOK, rerunOf: OLD_RUN_ID }), job: job({ kind: 'operations.run' }) };
      },
    });
    const [row] = await screen.findAllByTestId('history-row');
    expect(row?.textContent).toContain('Runbook restart-nginx, version 3');
    fireEvent.click(within(row as HTMLElement).getByRole('button', { name: 'Open the run of Runbook restart-nginx, version 3' }));
    const view = await screen.findByTestId('run-view');
    expect(within(view).getByTestId('run-runbook').textContent).toBe('restart-nginx, version 3');

    fireEvent.click(within(view).getByRole('button', { name: 'Re-run failed' }));
    const dialog = await screen.findByRole('dialog', { name: 'Re-run failed' });
    expect(dialog.textContent).toContain('restart-nginx, version 3, on the targets that did not succeed: 1 server.');
    const token = within(dialog).getByLabelText('TOKEN') as HTMLInputElement;
    expect(token.type).toBe('password');
    expect(token.value).toBe('');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Re-run on 1 server' }));
    expect(within(dialog).getByTestId('rerun-form-param-TOKEN-error').textContent).toBe('Guardian did not keep it: type it again');
    expect(callsOf(client, 'operations.rerun')).toEqual([]);
    fireEvent.change(token, { target: { value: 'again-token' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Re-run on 1 server' }));
    // The service's refusal is shown under the field.
    await waitFor(() => expect(within(dialog).getByTestId('rerun-form-param-TOKEN-error').textContent).toBe('Secret: Guardian did not keep it; give it again'));
    fireEvent.change(token, { target: { value: 'again-token' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Re-run on 1 server' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(callsOf(client, 'operations.rerun')).toEqual([
      { id: OLD_RUN_ID, only: 'failed', params: { TOKEN: 'again-token' } },
      { id: OLD_RUN_ID, only: 'failed', params: { TOKEN: 'again-token' } },
    ]);
    await waitFor(() => expect(useOperationsView.getState().runId).toBe(RUN_ID));
  });

  it('re-runs an ad-hoc command on all its targets at once for an admin; an operator has no re-run for it', async () => {
    const finished = run([target(WEB1.id, 'web-1', { state: 'succeeded' })], { id: OLD_RUN_ID, status: 'finished', finishedAt: Date.now() });
    useOperationsView.setState({ runId: OLD_RUN_ID });
    const client = renderAs('admin', {
      'operations.get': async (input) => (input.id === OLD_RUN_ID ? finished : run([target(WEB1.id, 'web-1')])),
      'operations.rerun': async () => ({ ...run([target(WEB1.id, 'web-1')], { rerunOf: OLD_RUN_ID }), job: job({ kind: 'operations.run' }) }),
    });
    const view = await screen.findByTestId('run-view');
    // Every target succeeded: nothing failed to re-run.
    expect(within(view).queryByRole('button', { name: 'Re-run failed' })).toBeNull();
    fireEvent.click(within(view).getByRole('button', { name: 'Re-run on all' }));
    await waitFor(() => expect(callsOf(client, 'operations.rerun')).toEqual([{ id: OLD_RUN_ID, only: 'all' }]));
    await waitFor(() => expect(useOperationsView.getState().runId).toBe(RUN_ID));
    cleanup();

    useOperationsView.setState({ runId: OLD_RUN_ID });
    renderAs('operator', { 'operations.get': async () => finished });
    await screen.findByTestId('run-view');
    expect(screen.queryByRole('button', { name: /^Re-run/ })).toBeNull();
  });

  it('titles a push run with its file, and offers no re-run for it (the file was not kept)', async () => {
    const file = { path: '/etc/app.conf', mode: '0640', owner: 'root:root', size: 1234, sha256: 'a'.repeat(64), noteId: null };
    const pushed = run([target(WEB1.id, 'web-1', { state: 'failed' })], {
      id: OLD_RUN_ID,
      status: 'finished',
      finishedAt: Date.now(),
      command: 'push /etc/app.conf (0640, root:root)',
      file,
    });
    useOperationsView.setState({ runId: OLD_RUN_ID });
    renderAs('admin', { 'operations.get': async () => pushed });
    const view = await screen.findByTestId('run-view');
    expect(within(view).getByTestId('run-file').textContent).toBe('/etc/app.conf');
    expect(view.textContent).toContain('(mode 0640, owner root:root, 1,234 bytes)');
    expect(within(view).queryByRole('button', { name: /^Re-run/ })).toBeNull();
  });

  it('shows the service’s refusal when the runbook version that ran is not open to the role', async () => {
    const finished = run([target(WEB1.id, 'web-1', { state: 'failed' })], { ...FROM_RUNBOOK, id: OLD_RUN_ID, status: 'finished', finishedAt: Date.now() });
    useOperationsView.setState({ runId: OLD_RUN_ID });
    const client = renderAs('operator', {
      'operations.get': async () => finished,
      'operations.rerun': async () => {
        throw appError(
          'PERMISSION_DENIED',
          'Runbook "restart-nginx" is run by admins and owners only; your role (operator) may not run it.',
          'Ask an admin to run it.',
        );
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Re-run failed' }));
    const refusal = await screen.findByTestId('rerun-error');
    expect(refusal.textContent).toBe('Runbook "restart-nginx" is run by admins and owners only; your role (operator) may not run it.Ask an admin to run it.');
    expect(callsOf(client, 'operations.rerun')).toEqual([{ id: OLD_RUN_ID, only: 'failed' }]);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(useOperationsView.getState().runId).toBe(OLD_RUN_ID);
  });
});
