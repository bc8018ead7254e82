import { useEffect, useRef, useState } from 'react';
import { AppError } from '@shared/api';
import type { OpenTerminal } from '@shared/api/terminal';
import { useMethodQuery } from '../api/hooks';
import { useClient } from '../api/client-context';
import { serverHealthHref } from '../app/routes';
import { ErrorBanner } from '../ui/ErrorBanner';
import { PageHeader } from '../ui/PageParts';
import { InputQueue } from './input-queue';
import { mountXterm } from './xterm';
import './terminal.css';

type Status =
  | { kind: 'connecting' }
  | { kind: 'open'; terminal: OpenTerminal }
  | { kind: 'ended'; message: string }
  | { kind: 'failed'; error: Pick<AppError, 'message' | 'hint'> };

const asError = (error: unknown): Pick<AppError, 'message' | 'hint'> =>
  error instanceof AppError ? error : { message: 'The terminal failed.', hint: 'Open it again; if it keeps failing, see Guardian’s log.' };

/**
 * A shell on one server (docs/operations.md, "Terminal"): opened when the page opens, sized to its
 * box, closed when the page is left or the window closes. What the shell prints arrives as
 * terminal.output events meant for this caller alone; what is typed goes out one call at a time.
 * Everything shown is recorded by Guardian; what is typed is not.
 */
export function TerminalPage({ serverId }: { serverId: string }) {
  const client = useClient();
  const server = useMethodQuery('servers.get', { id: serverId });
  const box = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<Status>({ kind: 'connecting' });
  const [attempt, setAttempt] = useState(0);
  const closeNow = useRef<() => void>(() => undefined);

  useEffect(() => {
    const node = box.current;
    if (!node) return;
    setStatus({ kind: 'connecting' });
    const xterm = mountXterm(node, { cursorBlink: true });
    const { terminal } = xterm;
    xterm.fit();
    let id: string | null = null;
    let left = false;
    // Output that arrives before terminal.open has answered with its id.
    const early: { id: string; data: string }[] = [];

    const offOutput = client.subscribe('terminal.output', (payload) => {
      if (id === null) early.push(payload);
      else if (payload.id === id) terminal.write(payload.data);
    });
    const offClosed = client.subscribe('terminal.closed', (payload) => {
      if (payload.id !== id) return;
      id = null;
      setStatus({ kind: 'ended', message: payload.message });
    });
    const close = () => {
      if (id === null) return;
      const closing = id;
      id = null;
      void client.call('terminal.close', { id: closing }).catch(() => undefined);
    };
    const input = new InputQueue(
      (data) => (id === null ? Promise.resolve() : client.call('terminal.input', { id, data })),
      (error) => setStatus({ kind: 'failed', error: asError(error) }),
    );

    client.call('terminal.open', { serverId, cols: terminal.cols, rows: terminal.rows }).then(
      (opened) => {
        if (left) {
          void client.call('terminal.close', { id: opened.id }).catch(() => undefined);
          return;
        }
        id = opened.id;
        for (const each of early.splice(0)) if (each.id === opened.id) terminal.write(each.data);
        setStatus({ kind: 'open', terminal: opened });
        terminal.focus();
      },
      (error: unknown) => {
        if (!left) setStatus({ kind: 'failed', error: asError(error) });
      },
    );

    const typed = terminal.onData((data) => input.push(data));
    const resized = terminal.onResize(({ cols, rows }) => {
      if (id !== null) void client.call('terminal.resize', { id, cols, rows }).catch(() => undefined);
    });
    // Ctrl+Shift+C copies the selection (Ctrl+C is the shell's interrupt); pasting is the browser's own.
    terminal.attachCustomKeyEventHandler((event) => {
      if (event.type === 'keydown' && event.ctrlKey && event.shiftKey && event.key.toLowerCase() === 'c' && terminal.hasSelection()) {
        void navigator.clipboard?.writeText(terminal.getSelection()).catch(() => undefined);
        return false;
      }
      return true;
    });
    const observer = new ResizeObserver(() => xterm.fit());
    observer.observe(node);
    window.addEventListener('pagehide', close);
    closeNow.current = () => {
      close();
      setStatus({ kind: 'ended', message: 'You closed the terminal; its recording is kept.' });
    };

    return () => {
      left = true;
      window.removeEventListener('pagehide', close);
      observer.disconnect();
      typed.dispose();
      resized.dispose();
      offOutput();
      offClosed();
      close();
      xterm.dispose();
    };
  }, [client, serverId, attempt]);

  const name = server.data?.name ?? 'server';
  const live = status.kind === 'open';
  return (
    <div className="page terminal-page">
      <PageHeader
        title={`Terminal: ${name}`}
        actions={
          <>
            <a className="button" href={serverHealthHref(serverId)}>
              Back to {name}
            </a>
            {live ? (
              <button type="button" className="button" onClick={() => closeNow.current()} data-testid="terminal-close">
                Close terminal
              </button>
            ) : (
              <button type="button" className="button button--primary" onClick={() => setAttempt((count) => count + 1)} disabled={status.kind === 'connecting'}>
                Open again
              </button>
            )}
          </>
        }
      >
        <span className="page__count" role="status" data-testid="terminal-status">
          {status.kind === 'connecting'
            ? 'Connecting…'
            : status.kind === 'open'
              ? `Connected to ${status.terminal.address}; recorded (what you type is not)`
              : status.kind === 'ended'
                ? 'Ended'
                : 'Not connected'}
        </span>
      </PageHeader>
      {status.kind === 'ended' ? (
        <p className="banner" role="status" data-testid="terminal-ended">
          {status.message}
        </p>
      ) : null}
      {status.kind === 'failed' ? <ErrorBanner error={status.error} testId="terminal-error" /> : null}
      <div className="terminal-screen" ref={box} data-testid="terminal-screen" aria-label={`Terminal on ${name}`} />
    </div>
  );
}
