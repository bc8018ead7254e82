// What other domains may use of the health engine (docs/architecture.md §2): the check registry and a server's
// status for reports, the latency sketch rollups keep, and for the inventory the default check, the TCP probe
// and the egress rule every check obeys.
export type { CheckRegistry } from './registry';
export { statusOfServer } from './server-status';
// What reports read of the stored history (uptime, incidents), through a connection of their own.
export { ResultStore } from './store/results';
export { decodeSketch, mergeSketch, quantile, type Sketch } from './sketch';
export { defaultCheckSpec } from './default-check';
export { tcpCheck } from './checks/tcp';
export { isMetadataHost, metadataRefusal } from './egress';
// For operations (main/core/operations): the same SSH session and pinned host keys the ssh checks use, one truth.
export { SSH_KEEPALIVE, withSshSession, type SshJump, type SshKeepalive, type SshLogin } from './checks/ssh-session';
export { jumpRoute, serverLogin } from './ssh-route';
export type { HostKeyStore } from './host-keys';
export { hostPort, type CheckContext, type CheckResult } from './check';
