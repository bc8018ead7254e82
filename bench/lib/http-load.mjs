// The load generator for bench/http.ts, in a process of its own so its CPU is not guardian
// serve's. It reads one JSON line on stdin, { url, token, connections, duration, connectionRate,
// timeout }, drives GET <url> with `Authorization: Bearer <token>` through autocannon (closed loop,
// or `connectionRate` requests per second per connection), prints one JSON line of the figures
// and exits. The key comes on stdin, never in argv, where any user of the machine could read it.
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

/** Paced connections start in this many groups spread over one second (see below). */
const PACED_GROUPS = 10;

const lines = createInterface({ input: process.stdin });
const line = await new Promise((resolve) => lines.once('line', resolve));
lines.close();
const options = JSON.parse(line);

const base = {
  url: options.url,
  method: 'GET',
  headers: { authorization: `Bearer ${options.token}` },
  duration: options.duration,
  timeout: options.timeout,
};

let result;
if (!options.connectionRate) {
  result = await autocannon({ ...base, connections: options.connections });
} else {
  // autocannon starts every connection's one-second window at the same instant, so 1,000 paced
  // connections would send in one burst each second, as no 1,000 independent clients do: they go
  // in groups started 100 ms apart (10 bursts of 100 a second), their histograms merged.
  // At a fixed rate autocannon also "corrects" for coordinated omission with an expected interval
  // of ceil(1 / rate) ms, 1 ms at one request per second (it means 1000 / rate): every answer
  // slower than 1 ms would add that many made-up samples. Answers far inside the 1 s interval
  // omit nothing, so the latencies are taken as measured (the max says whether any came near it).
  const groups = Math.min(PACED_GROUPS, options.connections);
  const runs = [];
  for (let i = 0; i < groups; i++) {
    const connections = Math.floor(options.connections / groups) + (i < options.connections % groups ? 1 : 0);
    runs.push(
      new Promise((resolve) => setTimeout(resolve, (i * 1000) / groups)).then(() =>
        autocannon({
          ...base,
          connections,
          connectionRate: options.connectionRate,
          ignoreCoordinatedOmission: true,
          skipAggregateResult: true,
        }),
      ),
    );
  }
  const parts = await Promise.all(runs);
  result = autocannon.aggregateResult(parts, { ...base, connections: options.connections });
  result.duration = Math.max(...parts.map((part) => part.duration));
}

const seconds = result.duration;
process.stdout.write(
  `${JSON.stringify({
    seconds,
    requests: result.requests.total,
    perSecond: result.requests.total / seconds,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    resets: result.resets,
  })}\n`,
);
