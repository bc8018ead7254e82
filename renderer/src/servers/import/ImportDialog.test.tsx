import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { fakeClient } from '../../testing/fake-client';
import { job } from '../../testing/fixtures';
import { renderWithClient } from '../../testing/render';
import { ImportDialog } from './ImportDialog';

function chooseFile(name: string, content: string) {
  const input = screen.getByLabelText('File');
  fireEvent.change(input, { target: { files: [new File([content], name, { type: 'text/plain' })] } });
}

const format = () => (screen.getByLabelText('Format') as HTMLSelectElement).value;

describe('ImportDialog', () => {
  it('picks the format from the file name', () => {
    renderWithClient(<ImportDialog onClose={() => undefined} />, fakeClient({}));

    chooseFile('fleet.csv', 'name,host\n');
    expect(format()).toBe('csv');
    chooseFile('inventory.JSON', '[]');
    expect(format()).toBe('json');
    chooseFile('config', 'Host web\n');
    expect(format()).toBe('ssh_config');
  });

  it('sends the file, follows the job’s progress events and ends on the summary', async () => {
    const started = job();
    const client = fakeClient({
      'servers.import': async () => started,
      'jobs.get': () => new Promise(() => undefined),
    });
    renderWithClient(<ImportDialog onClose={() => undefined} />, client);

    chooseFile('fleet.csv', 'name,host\nweb-01,web01.example.com\n');
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));

    const bar = await screen.findByRole('progressbar');
    expect(client.calls.find((call) => call.name === 'servers.import')?.input).toEqual({
      format: 'csv',
      content: 'name,host\nweb-01,web01.example.com\n',
      fileName: 'fleet.csv',
      monitor: true,
    });

    client.emit('job.progress', job({ status: 'running', done: 40, total: 100 }));
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('40'));
    expect(bar.getAttribute('aria-valuemax')).toBe('100');
    expect(screen.getByTestId('import-progress-text').textContent).toBe('40 of 100 rows');

    client.emit(
      'job.progress',
      job({
        status: 'succeeded',
        done: 100,
        total: 100,
        result: { kind: 'servers.import', rows: 100, created: 97, updated: 0, unchanged: 2, rejected: [{ line: 9, name: 'x', reason: 'bad' }] },
      }),
    );
    const summary = await screen.findByTestId('import-summary');
    expect(summary.textContent).toContain('Import finished');
    expect(screen.getByTestId('import-created').textContent).toBe('97');
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('imports without checks when asked, and says nothing will watch the new servers', async () => {
    const client = fakeClient({ 'servers.import': async () => job(), 'jobs.get': () => new Promise(() => undefined) });
    renderWithClient(<ImportDialog onClose={() => undefined} />, client);

    chooseFile('fleet.csv', 'name,host\nweb-01,web01.example.com\n');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Watch each new server with a check' }));
    expect(screen.getByText(/nothing watches them until you add one/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));

    await screen.findByRole('progressbar');
    expect(client.calls.find((call) => call.name === 'servers.import')?.input).toMatchObject({ monitor: false });
  });

  it('polls the job when no progress event arrives', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const started = job();
      let reads = 0;
      const client = fakeClient({
        'servers.import': async () => started,
        'jobs.get': async () => {
          reads += 1;
          return reads < 2 ? job({ status: 'running', done: 1, total: 2 }) : job({ status: 'cancelled', done: 1, total: 2 });
        },
      });
      renderWithClient(<ImportDialog onClose={() => undefined} />, client);
      chooseFile('config', 'Host web\n  HostName web.example.com\n');
      fireEvent.click(screen.getByRole('button', { name: 'Import' }));

      await screen.findByRole('progressbar');
      await vi.advanceTimersByTimeAsync(1_200);
      expect((await screen.findByTestId('import-summary')).textContent).toContain('Import cancelled');
      expect(client.calls.find((call) => call.name === 'servers.import')?.input).toMatchObject({ format: 'ssh_config' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('cancels a running import through jobs.cancel', async () => {
    const started = job({ status: 'running', done: 1, total: 10 });
    const client = fakeClient({
      'servers.import': async () => started,
      'jobs.cancel': async () => job({ status: 'running', done: 2, total: 10 }),
    });
    renderWithClient(<ImportDialog onClose={() => undefined} />, client);
    chooseFile('fleet.json', '[]');
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));

    fireEvent.click(await screen.findByRole('button', { name: 'Cancel import' }));
    await waitFor(() => expect(client.calls.some((call) => call.name === 'jobs.cancel')).toBe(true));
    expect(client.calls.find((call) => call.name === 'jobs.cancel')?.input).toEqual({ id: started.id });
  });
});
