import { AppError } from '@shared/api/errors';
import type { ProbeResult } from '@shared/api/servers';
import type { Principal } from '@shared/permissions';
import { actorName } from '../api/caller';
import type { Clock } from '../clock';
import { isMetadataHost, metadataRefusal, tcpCheck } from '../health';

/**
 * "Is it there?" for the first-run wizard and the server form: the health engine's tcp check,
 * run once, in the contract's words. It connects wherever it is told, inside the network
 * Guardian runs in, so it is audited (by the router), limited per caller, and kept away from
 * cloud metadata addresses like every check.
 */

/** Probes one caller may start per window: plenty for a person at a form, too few to scan a network. */
export const PROBES_PER_WINDOW = 30;
export const PROBE_WINDOW_MS = 60_000;

export interface ProbeDeps {
  clock: Clock;
  /** The monitoring setting that lets checks (and probes) reach cloud metadata addresses. */
  allowMetadata: () => boolean;
  limit?: number;
  windowMs?: number;
}

export class ServerProbe {
  /** When each caller's recent probes started, oldest first. */
  private readonly recent = new Map<string, number[]>();

  constructor(private readonly deps: ProbeDeps) {}

  async probe(principal: Principal, host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
    const allowMetadata = this.deps.allowMetadata();
    if (!allowMetadata && isMetadataHost(host)) {
      throw new AppError('VALIDATION_FAILED', `${metadataRefusal(host)}.`, {
        hint: 'Probes and checks do not reach cloud metadata services unless an admin allows it in the monitoring settings.',
        issues: [{ path: ['host'], message: 'A cloud metadata address' }],
      });
    }
    this.take(actorName(principal));
    const result = await tcpCheck.run(
      { host, port },
      // Nothing cancels a one-off probe; the check's own timeout bounds it.
      { signal: new AbortController().signal, timeoutMs, now: this.deps.clock.now, allowMetadata },
    );
    return { reachable: result.status !== 'down', latencyMs: result.latencyMs, message: result.message };
  }

  /** Counts a probe against the caller's window, or refuses it with RATE_LIMITED. */
  private take(caller: string): void {
    const now = this.deps.clock.now();
    const windowMs = this.deps.windowMs ?? PROBE_WINDOW_MS;
    const limit = this.deps.limit ?? PROBES_PER_WINDOW;
    const recent = (this.recent.get(caller) ?? []).filter((at) => at > now - windowMs);
    if (recent.length >= limit) {
      this.recent.set(caller, recent);
      const waitS = Math.max(1, Math.ceil(((recent[0] ?? now) + windowMs - now) / 1000));
      throw new AppError('RATE_LIMITED', `Too many connection tests: at most ${limit} a minute.`, {
        hint: `Wait ${waitS} s and try again; to watch a host, add a check to its server instead.`,
      });
    }
    recent.push(now);
    this.recent.set(caller, recent);
    // Callers who stopped probing do not stay in memory.
    if (this.recent.size > 1000) for (const [key, times] of this.recent) if (times.every((at) => at <= now - windowMs)) this.recent.delete(key);
  }
}
