import { connect } from 'node:net';
import type { ProbeResult } from '../../../shared/api/servers';

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'the name does not resolve',
  EAI_AGAIN: 'the name could not be resolved right now',
  ECONNRESET: 'connection reset',
};

/** One TCP connect, timed: the "is it there?" of the first-run wizard and the server form. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (result: ProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () =>
      finish({ reachable: false, latencyMs: null, message: `no answer from ${target} within ${timeoutMs} ms` }),
    );
    socket.once('connect', () => {
      const latencyMs = Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
      finish({ reachable: true, latencyMs, message: `connected to ${target} in ${latencyMs} ms` });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const reason = (error.code && REASONS[error.code]) ?? error.code ?? error.message;
      finish({ reachable: false, latencyMs: null, message: `${reason} on ${target}` });
    });
  });
}
