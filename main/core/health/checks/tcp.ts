import { connect } from 'node:net';
import { tcpConfig, type TcpConfig } from '@shared/health/tcp';
import { type CheckType, hostPort, reach, refusedHost, socketCheck, stopwatch } from '../check';

/** One TCP connect, timed: up when it connects, down with the reason when it does not. */
export const tcpCheck: CheckType<TcpConfig> = {
  type: 'tcp',
  configSchema: tcpConfig,
  run(config, ctx) {
    const refused = refusedHost(ctx, config.host);
    if (refused) return Promise.resolve(refused);
    const target = hostPort(config.host, config.port);
    const elapsed = stopwatch();
    const { lookup } = reach(ctx);
    return socketCheck(
      ctx,
      target,
      () => connect({ host: config.host, port: config.port, ...(lookup ? { lookup } : {}) }),
      (socket, finish) => {
        socket.once('connect', () => {
          const latencyMs = elapsed();
          finish({ status: 'up', latencyMs, message: `connected to ${target} in ${latencyMs} ms` });
        });
      },
    );
  },
};
