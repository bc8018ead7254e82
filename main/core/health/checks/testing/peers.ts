/**
 * Real peers on 127.0.0.1 for the check tests: servers that are closed with every connection
 * they hold, and a port that nothing listens on. Only tests import this module.
 */
import { type AddressInfo, type Server, type Socket } from 'node:net';
import { freePort } from '../../../testing/free-port';

export class Peers {
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();

  /** Listens on 127.0.0.1 on a free port; answers the port. */
  async listen(server: Server): Promise<number> {
    this.servers.push(server);
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  /** Closes every server, dropping the connections they still hold. */
  async closeAll(): Promise<void> {
    const closed = this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(closed);
  }
}

/** A port that was free a moment ago: bound, noted, released. */
export const closedPort = freePort;
