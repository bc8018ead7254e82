import { sshConfig, type SshConfig } from '@shared/health/ssh';
import type { CheckType } from '../check';
import { withSshSession } from './ssh-session';

/**
 * An SSH key exchange, timed, without logging in: up when the host completes it with the key
 * pinned for it (the first success pins it), down on another key or no answer.
 */
export const sshCheck: CheckType<SshConfig> = {
  type: 'ssh',
  configSchema: sshConfig,
  run(config, ctx) {
    return withSshSession(config.host, config.port, ctx, null, (session) => ({
      status: 'up',
      latencyMs: session.handshakeMs,
      message: `SSH handshake with ${session.target} in ${session.handshakeMs} ms, host key ${session.fingerprint}${session.firstPin ? ' (pinned now)' : ''}`,
      data: { fingerprint: session.fingerprint, hostKeyType: session.hostKeyType, pinnedNow: session.firstPin },
    }));
  },
};
