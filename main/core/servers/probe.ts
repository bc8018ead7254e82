import type { ProbeResult } from '../../../shared/api/servers';
import { systemClock } from '../clock';
import { tcpCheck } from '../health/checks/tcp';

/**
 * "Is it there?" for the first-run wizard and the server form: the health engine's tcp check,
 * run once, in the contract's words.
 */
export async function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  const result = await tcpCheck.run(
    { host, port },
    // Nothing cancels a one-off probe; the check's own timeout bounds it.
    { signal: new AbortController().signal, timeoutMs, now: systemClock.now },
  );
  return { reachable: result.status !== 'down', latencyMs: result.latencyMs, message: result.message };
}
