import { connect } from 'node:net';
import { tcpConfig, type TcpConfig } from '../../../../shared/health/tcp';
import { type CheckType, hostPort, socketCheck, stopwatch } from '../check';



/** One TCP connect, timed: up when it connects, down with the reason when it does not. */
export const tcpCheck: CheckType<TcpConfig> = {
  type: 'tcp',
  configSchema: tcpConfig,
  run(config, ctx) {
    const target = hostPort(config.host, config.port);
    const elapsed = stopwatch();
    return socketCheck(ctx, target, () => connect({ host: config.host, port: config.port }), (socket, finish) => {
      socket.once('connect', () => {
        const latencyMs = elapsed();
        finish({ status: 'up', latencyMs, message: `connected to ${target} in ${latencyMs} ms` });
      });
    });
  },
};
