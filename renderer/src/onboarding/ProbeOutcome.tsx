import type { ProbeResult } from '@shared/api/servers';

/** What the connection test found, in words: the latency, or why it failed and what that allows. */
export function ProbeOutcome({ target, result }: { target: string; result: ProbeResult }) {
  if (result.reachable) {
    return (
      <div className="banner banner--good" role="status" data-testid="probe-result" data-reachable="true">
        <p>
          Reachable: {target} answered in {result.latencyMs === null ? 'an unknown time' : `${Math.round(result.latencyMs)} ms`}.
        </p>
      </div>
    );
  }
  return (
    <div className="banner banner--warn" role="status" data-testid="probe-result" data-reachable="false">
      <p>Not reachable: {result.message.trim().replace(/\.$/, '') || `${target} did not answer`}.</p>
      <p className="banner__hint">
        Check the host and port, and that a firewall lets Guardian through. Keep it anyway if the machine is off for now: “Add server” saves it, and Guardian
        shows it as down until it answers.
      </p>
    </div>
  );
}
