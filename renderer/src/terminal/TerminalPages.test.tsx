import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { AppError } from '@shared/api';
import type { TerminalRecording } from '@shared/api/terminal';
import { fakeClient } from '../testing/fake-client';
import { server } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { RecordingsPage } from './RecordingsPage';
import { TerminalPage } from './TerminalPage';

const SERVER_ID = '7d1f6a43-3c2e-4b8a-9f51-2f3c4d5e6a7b';
const TERMINAL_ID = '0b0e3f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

const recording: TerminalRecording = {
  id: TERMINAL_ID,
  serverId: SERVER_ID,
  serverName: 'web-01',
  address: '10.0.0.1:22',
  openedBy: 'user:u-1',
  openedByName: 'alice',
  startedAt: 1_700_000_000_000,
  endedAt: 1_700_000_065_000,
  durationMs: 65_000,
  endReason: 'idle',
  cols: 80,
  rows: 24,
  outputBytes: 2_048,
  truncated: true,
  recordingBytes: 300,
  sha256: 'ab'.repeat(32),
};
const ASCIICAST = ['{"version":2,"width":80,"height":24}', '[0.01,"o","hello-42\\r\\n"]', '[0.02,"r","100x30"]', '[0.03,"o","bye\\r\\n"]', ''].join('\n');

describe('the terminal page', () => {
  it('opens a terminal sized to its box, says where it is connected, and closes it when asked and when left', async () => {
    const client = fakeClient({
      'servers.get': async () => server({ id: SERVER_ID }),
      'terminal.open': async () => ({ id: TERMINAL_ID, serverId: SERVER_ID, serverName: 'web-01', address: '10.0.0.1:22', startedAt: 1 }),
      'terminal.close': async () => ({ ok: true as const }),
    });
    const { unmount } = renderWithClient(<TerminalPage serverId={SERVER_ID} />, client);
    expect(screen.getByTestId('terminal-status').textContent).toBe('Connecting…');
    await waitFor(() => expect(screen.getByTestId('terminal-status').textContent).toContain('Connected to 10.0.0.1:22'));
    const open = client.calls.find((call) => call.name === 'terminal.open');
    expect(open?.input).toMatchObject({ serverId: SERVER_ID });
    expect(await screen.findByRole('heading', { name: 'Terminal: web-01' })).toBeTruthy();

    fireEvent.click(screen.getByTestId('terminal-close'));
    expect(client.calls.filter((call) => call.name === 'terminal.close').map((call) => call.input)).toEqual([{ id: TERMINAL_ID }]);
    expect(screen.getByTestId('terminal-ended').textContent).toContain('You closed the terminal');
    unmount();
    // Already closed: leaving does not close it twice.
    expect(client.calls.filter((call) => call.name === 'terminal.close')).toHaveLength(1);
  });

  it('says why it ended when the server tells, and closes on leaving when still open', async () => {
    const client = fakeClient({
      'servers.get': async () => server({ id: SERVER_ID }),
      'terminal.open': async () => ({ id: TERMINAL_ID, serverId: SERVER_ID, serverName: 'web-01', address: '10.0.0.1:22', startedAt: 1 }),
      'terminal.close': async () => ({ ok: true as const }),
    });
    const first = renderWithClient(<TerminalPage serverId={SERVER_ID} />, client);
    await waitFor(() => expect(screen.getByTestId('terminal-status').textContent).toContain('Connected'));
    // Another terminal's end is not this one's.
    act(() => client.emit('terminal.closed', { id: 'other', reason: 'idle', message: 'not mine' }));
    expect(screen.queryByTestId('terminal-ended')).toBeNull();
    act(() =>
      client.emit('terminal.closed', { id: TERMINAL_ID, reason: 'idle', message: 'The terminal on web-01 was closed after 15 minutes without input.' }),
    );
    expect(screen.getByTestId('terminal-ended').textContent).toContain('15 minutes without input');
    expect(screen.getByRole('button', { name: 'Open again' })).toBeTruthy();
    first.unmount();
    expect(client.calls.filter((call) => call.name === 'terminal.close')).toHaveLength(0);

    const second = renderWithClient(<TerminalPage serverId={SERVER_ID} />, client);
    await waitFor(() => expect(screen.getByTestId('terminal-status').textContent).toContain('Connected'));
    second.unmount();
    expect(client.calls.filter((call) => call.name === 'terminal.close').map((call) => call.input)).toEqual([{ id: TERMINAL_ID }]);
  });

  it('shows the refusal’s message and hint, and offers to open again', async () => {
    const client = fakeClient({
      'servers.get': async () => server({ id: SERVER_ID }),
      'terminal.open': async () => {
        throw new AppError('HOST_KEY_MISMATCH', 'The host key of 10.0.0.1:22 changed.', { hint: 'Remove its pinned key if it was reinstalled.' });
      },
    });
    renderWithClient(<TerminalPage serverId={SERVER_ID} />, client);
    const error = await screen.findByTestId('terminal-error');
    expect(error.textContent).toContain('The host key of 10.0.0.1:22 changed.');
    expect(error.textContent).toContain('Remove its pinned key');
    fireEvent.click(screen.getByRole('button', { name: 'Open again' }));
    await waitFor(() => expect(client.calls.filter((call) => call.name === 'terminal.open')).toHaveLength(2));
  });
});

describe('the recordings page', () => {
  it('lists the recorded sessions and plays one to its end, with its resize', async () => {
    const client = fakeClient({
      'terminal.recordings': async () => ({ items: [recording] }),
      'terminal.recording': async () => ({ ...recording, asciicast: ASCIICAST }),
    });
    renderWithClient(<RecordingsPage />, client);
    const table = await screen.findByTestId('recordings');
    expect(table.textContent).toContain('web-01');
    expect(table.textContent).toContain('alice');
    expect(table.textContent).toContain('1 min 5 s');
    expect(table.textContent).toContain('2.0 KiB (recording cut)');
    expect(table.textContent).toContain('idle too long');
    fireEvent.click(screen.getByRole('button', { name: /Play the session on web-01/ }));
    await waitFor(() => expect(screen.getByTestId('player-position').textContent).toBe('Played to the end'));
    expect(client.calls.find((call) => call.name === 'terminal.recording')?.input).toEqual({ id: TERMINAL_ID });
    fireEvent.click(screen.getByTestId('player-restart'));
    expect(screen.getByTestId('player-toggle').textContent).toBe('Pause');
    fireEvent.click(screen.getByTestId('player-toggle'));
    expect(screen.getByTestId('player-toggle').textContent).toBe('Play');
    fireEvent.click(screen.getByRole('button', { name: 'Show all' }));
    expect(screen.getByTestId('player-position').textContent).toBe('Played to the end');
  });

  it('says when nothing was recorded, and when a recording is not asciicast', async () => {
    const empty = fakeClient({ 'terminal.recordings': async () => ({ items: [] }) });
    const { unmount } = renderWithClient(<RecordingsPage />, empty);
    expect(await screen.findByTestId('recordings-empty')).toBeTruthy();
    unmount();

    const broken = fakeClient({
      'terminal.recordings': async () => ({ items: [recording] }),
      'terminal.recording': async () => ({ ...recording, asciicast: 'not a cast' }),
    });
    renderWithClient(<RecordingsPage />, broken);
    fireEvent.click(await screen.findByRole('button', { name: /Play the session on web-01/ }));
    expect(await screen.findByText(/not asciicast v2 text/)).toBeTruthy();
  });
});
