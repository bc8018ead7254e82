// Loopback targets for bench/poller.ts, in a process of their own so their CPU is not counted
// as the poller's. Prints one JSON line with the ports, then serves until stdin closes.
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

const ok = createHttpServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
  res.end('ok');
});
const slow = createHttpServer((req, res) => {
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    res.end('slow');
  }, 300);
});
const failing = createHttpServer((req, res) => {
  res.writeHead(503, { 'content-type': 'text/plain', connection: 'close' });
  res.end('down for the bench');
});
const tcp = createTcpServer((socket) => socket.destroy());
for (const server of [ok, slow, failing]) server.maxConnections = 10_000;

const ports = { ok: await listen(ok), slow: await listen(slow), failing: await listen(failing), tcp: await listen(tcp) };
// A port that was free a moment ago: connections to it are refused.
const closed = createTcpServer();
ports.closed = await listen(closed);
await new Promise((resolve) => closed.close(resolve));

process.stdout.write(`${JSON.stringify(ports)}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
