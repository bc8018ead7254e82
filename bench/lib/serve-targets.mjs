// HTTP targets for bench/serve.ts, in a process of their own so their CPU is neither the bench's
// nor guardian serve's. `node serve-targets.mjs <hosts>` listens on that many loopback addresses
// (127.0.1.1, 127.0.1.2, … : Linux routes all of 127/8 to lo), or on 127.0.0.1 alone when <hosts>
// is 1, each on a port of its own choosing, and answers by path:
//   /ok    200 at once
//   /slow  200 after 500 ms
//   /fail  500 at once
// It prints one JSON line, [{ "address", "port" }, …], then answers every line read on stdin with
// one JSON line of the requests received so far by path ({ "ok", "slow", "fail", "other" }), and
// exits when stdin closes (so it never outlives the bench).
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';

const hosts = Math.max(1, Number(process.argv[2] ?? 1));
const counts = { ok: 0, slow: 0, fail: 0, other: 0 };

function answer(req, res) {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  };
  switch (req.url) {
    case '/ok':
      counts.ok++;
      return send(200, 'ok');
    case '/slow':
      counts.slow++;
      return void setTimeout(() => send(200, 'slow'), 500);
    case '/fail':
      counts.fail++;
      return send(500, 'failing for the bench');
    default:
      counts.other++;
      return send(404, 'no such target');
  }
}

/** The i-th address: 127.0.1.1 … 127.0.1.254, 127.0.2.1, … (127.0.0.1 alone for one host). */
const addressOf = (i) => (hosts === 1 ? '127.0.0.1' : `127.0.${1 + Math.floor(i / 254)}.${1 + (i % 254)}`);

const listening = [];
for (let i = 0; i < hosts; i++) {
  const server = createServer(answer);
  server.maxConnections = 10_000;
  const address = addressOf(i);
  const port = await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve(server.address().port));
  });
  listening.push({ address, port });
}

process.stdout.write(`${JSON.stringify(listening)}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', () => process.stdout.write(`${JSON.stringify(counts)}\n`));
lines.on('close', () => process.exit(0));
