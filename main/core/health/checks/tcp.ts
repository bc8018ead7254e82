import { connect } from 'node:net';
import { tcpConfig, type TcpConfig } from '../../../../shared/health/tcp';
import { type CheckResult, type CheckType, deadline, describeError, hostPort, stopped, stopwatch } from '../check';



/** One TCP connect, timed: up when it connects, down with the reason when it does not. */
export const tcpCheck: CheckType<TcpConfig> = {
  type: 'tcp',
  configSchema: tcpConfig,
  run(config, ctx) {
    const target = hostPort(config.host, config.port);
    const signal = deadline(ctx);
    const elapsed = stopwatch();
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(stopped(ctx, target));
      const socket = connect({ host: config.host, port: config.port });
      const onAbort = () => finish(stopped(ctx, target));
      const finish = (result: CheckResult) => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(result);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        const latencyMs = elapsed();
        finish({ status: 'up', latencyMs, message: `connected to ${target} in ${latencyMs} ms` });
      });
      socket.once('error', (error) => finish({ status: 'down', latencyMs: null, message: describeError(error, target) }));
    });
  },
};
