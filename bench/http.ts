import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { methods } from '@shared/api';
import { toHttpRequest } from '@shared/api/http';
import { isFinished, type Job } from '@shared/api/jobs';
import { packageRoot } from '@core/paths';
import { cleanUp, startGuardian, type Guardian } from '../main/headless/testing/guardian';
import { formatTable } from './lib/measure';
import { memory, treeCpuMs } from './lib/proc';

/**
 * `npm run bench -- http [--scenario closed-100|closed-1000|paced-1000] [--connections N]
 *   [--duration S] [--servers 20] [--cpu-prof DIR]`
 *
 * The HTTP API under many connections, measured from outside: a real `guardian serve` (the
 * built out/main/cli.js, refused when older than the sources) on a fresh data folder with an
 * owner API key and --servers servers (one `servers.import`, no checks), then `GET
 * /api/v1/servers` with that key from autocannon in a separate process (bench/lib/http-load.mjs),
 * so the load generator's CPU is not serve's event loop. Scenarios, each printing requests,
 * requests per second, p50/p99 latency, errors and timeouts, and serve's CPU (from /proc) and
 * RSS meanwhile:
 *   closed-100   100 connections, closed loop (each sends its next request on the answer), 20 s
 *   closed-1000  1,000 connections, closed loop, 20 s
 *   paced-1000   1,000 connections at one request per second each (1,000/s in all), 30 s
 * --connections and --duration replace every chosen scenario's own; --cpu-prof DIR starts serve
 * with Node's --cpu-prof and writes the profile there when serve stops. Asserts nothing.
 */

const here = fileURLToPath(new URL('.', import.meta.url));
const REQUEST_TIMEOUT_S = 10; // autocannon's default: a request unanswered this long is a timeout

interface Scenario {
  name: string;
  what: string;
  connections: number;
  durationS: number;
  /** Requests per second per connection; closed loop without. */
  connectionRate?: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'closed-100', what: 'closed loop', connections: 100, durationS: 20 },
  { name: 'closed-1000', what: 'closed loop', connections: 1000, durationS: 20 },
  { name: 'paced-1000', what: '1 request/s per connection', connections: 1000, durationS: 30, connectionRate: 1 },
];

interface Load {
  seconds: number;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  resets: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The soft limit on open files of `pid` (each connection is one descriptor in serve). */
function openFilesLimit(pid: number): number {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
  return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}

/**
 * TCP counters of the network namespace (/proc/net/netstat): ListenOverflows counts connections
 * dropped because serve's accept queue was full (the client retries its SYN 1 s, 3 s, 7 s later,
 * which autocannon sees as a slow or timed-out request). Other processes' sockets count too.
 */
function tcpCounters(): { listenOverflows: number; synRetransmits: number } {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const names = lines[0]?.split(' ') ?? [];
  const values = lines[1]?.split(' ') ?? [];
  const counter = (name: string) => Number(values[names.indexOf(name)] ?? Number.NaN);
  return { listenOverflows: counter('ListenOverflows'), synRetransmits: counter('TCPSynRetrans') };
}

async function call<T>(guardian: Guardian, name: keyof typeof methods, input: Record<string, unknown>): Promise<T> {
  const { verb, url, body } = toHttpRequest(methods[name], input);
  const answer = await guardian.request<T>(verb, url, body);
  if (answer.status >= 300) throw new Error(`${name} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 500)}`);
  return answer.body;
}

/** `servers` servers by one import, no checks: the small inventory the list answers with. */
async function plant(guardian: Guardian, servers: number): Promise<void> {
  const rows = ['name,host'];
  for (let i = 0; i < servers; i++) rows.push(`web-${String(i).padStart(3, '0')},10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`);
  let job = await call<Job>(guardian, 'servers.import', { format: 'csv', content: `${rows.join('\n')}\n`, monitor: false });
  const deadline = Date.now() + 60_000;
  while (!isFinished(job)) {
    if (Date.now() > deadline) throw new Error(`The import was still ${job.status} after 60 s`);
    await sleep(50);
    job = await call<Job>(guardian, 'jobs.get', { id: job.id });
  }
  if (job.status !== 'succeeded') throw new Error(`The import ${job.status}: ${JSON.stringify(job.error)}`);
}

/** One autocannon run in bench/lib/http-load.mjs; the key goes on its stdin. */
function drive(url: string, token: string, connections: number, durationS: number, connectionRate?: number): Promise<Load> {
  const child = spawn(process.execPath, [join(here, 'lib', 'http-load.mjs')], { cwd: packageRoot, stdio: ['pipe', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stdin.end(`${JSON.stringify({ url, token, connections, duration: durationS, connectionRate, timeout: REQUEST_TIMEOUT_S })}\n`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), (durationS + REQUEST_TIMEOUT_S + 60) * 1000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`the load generator exited ${code}`));
      resolve(JSON.parse(stdout) as Load);
    });
  });
}

interface Measured {
  scenario: Scenario;
  load: Load;
  cpuShare: number;
  cpuPerRequestMs: number;
  rssStartMb: number;
  rssPeakMb: number;
  listenOverflows: number;
  synRetransmits: number;
}

async function measureScenario(guardian: Guardian, token: string, scenario: Scenario): Promise<Measured> {
  const pid = guardian.child.pid ?? 0;
  const url = guardian.at(toHttpRequest(methods['servers.list'], {}).url).href;
  const rssStartMb = memory(pid).rssMb;
  let rssPeakMb = rssStartMb;
  const sampler = setInterval(() => {
    try {
      rssPeakMb = Math.max(rssPeakMb, memory(pid).rssMb);
    } catch {
      // serve ended: the load generator's errors say so
    }
  }, 500);
  const tcpBefore = tcpCounters();
  const cpuBefore = treeCpuMs(pid).cpuMs;
  const started = Date.now();
  let load: Load;
  try {
    load = await drive(url, token, scenario.connections, scenario.durationS, scenario.connectionRate);
  } finally {
    clearInterval(sampler);
  }
  const wallS = (Date.now() - started) / 1000;
  const cpu = treeCpuMs(pid).cpuMs - cpuBefore;
  rssPeakMb = Math.max(rssPeakMb, memory(pid).rssMb);
  const tcpAfter = tcpCounters();
  return {
    scenario,
    load,
    listenOverflows: tcpAfter.listenOverflows - tcpBefore.listenOverflows,
    synRetransmits: tcpAfter.synRetransmits - tcpBefore.synRetransmits,
    cpuShare: cpu / 1000 / wallS,
    cpuPerRequestMs: cpu / Math.max(1, load.requests),
    rssStartMb,
    rssPeakMb,
  };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      scenario: { type: 'string' },
      connections: { type: 'string' },
      duration: { type: 'string' },
      servers: { type: 'string', default: '20' },
      'cpu-prof': { type: 'string' },
    },
  });
  const chosen = values.scenario ? SCENARIOS.filter((each) => each.name === values.scenario) : SCENARIOS;
  if (chosen.length === 0) throw new Error(`--scenario is one of ${SCENARIOS.map((each) => each.name).join(', ')}`);
  const positive = (flag: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${flag} takes a positive whole number, not ${text}`);
    return value;
  };
  const connections = positive('connections', values.connections);
  const durationS = positive('duration', values.duration);
  const servers = positive('servers', values.servers) ?? 20;
  const scenarios = chosen.map((each) => ({ ...each, connections: connections ?? each.connections, durationS: durationS ?? each.durationS }));

  const profDir = values['cpu-prof'];
  try {
    const guardian = await startGuardian({ nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [] });
    const token = guardian.token ?? '';
    const pid = guardian.child.pid ?? 0;
    await plant(guardian, servers);
    const limit = openFilesLimit(pid);
    const most = Math.max(...scenarios.map((each) => each.connections));
    process.stdout.write(
      `guardian serve (pid ${pid}) at ${guardian.url}, ${servers} servers; open-file limit ${limit} (serve), ${openFilesLimit(process.pid)} (bench)\n`,
    );
    if (limit < most + 100) process.stdout.write(`  warning: ${most} connections need more open files than serve may have; raise it with ulimit -n\n`);
    // Warm-up, unmeasured: the JIT and the first statement preparations.
    await drive(guardian.at(toHttpRequest(methods['servers.list'], {}).url).href, token, 10, 3);

    const results: Measured[] = [];
    for (const scenario of scenarios) {
      process.stdout.write(`${scenario.name}: ${scenario.connections} connections, ${scenario.what}, ${scenario.durationS} s...\n`);
      results.push(await measureScenario(guardian, token, scenario));
      await sleep(2000); // the closed connections drain before the next scenario
    }
    const exit = await guardian.stop('SIGTERM', 60_000);
    if (profDir) process.stdout.write(`serve stopped (${exit.code ?? exit.signal}); its CPU profile is in ${profDir}\n`);

    const rows = results.map(({ scenario, load, cpuShare, cpuPerRequestMs, rssStartMb, rssPeakMb, listenOverflows, synRetransmits }) => [
      scenario.name,
      String(scenario.connections),
      String(load.requests),
      load.perSecond.toFixed(0),
      String(load.p50Ms),
      String(load.p99Ms),
      String(load.maxMs),
      String(load.non2xx),
      String(load.errors),
      String(load.timeouts),
      `${(cpuShare * 100).toFixed(0)} %`,
      cpuPerRequestMs.toFixed(3),
      `${rssStartMb.toFixed(0)} / ${rssPeakMb.toFixed(0)}`,
      `${listenOverflows} / ${synRetransmits}`,
    ]);
    process.stdout.write(
      `\nGET /api/v1/servers (${servers} servers) with an owner API key; autocannon in its own process, ${REQUEST_TIMEOUT_S} s timeout\n\n${formatTable(
        [
          'scenario',
          'connections',
          'requests',
          'req/s',
          'p50 ms',
          'p99 ms',
          'max ms',
          'non-2xx',
          'errors',
          'timeouts',
          'serve CPU',
          'CPU/req ms',
          'RSS MB start / peak',
          'listen overflows / SYN retries',
        ],
        rows,
      )}\n\nerrors counts every failed request (timeouts and resets included); serve CPU is a share of one core (this machine has ${cpus().length}); listen overflows are connections the kernel dropped with serve's accept queue full (machine-wide counters).\n`,
    );
  } finally {
    await cleanUp();
  }
}
