import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { brotliCompressSync, brotliDecompressSync, constants as zlib, gunzipSync, gzipSync } from 'node:zlib';
import { methods } from '@shared/api';
import { toHttpRequest } from '@shared/api/http';
import { createCore } from '@core/app';
import { silentLogger } from '@core/logging/logger';
import { COMPRESSION } from '../main/headless/http/server';
import { cleanUp, startGuardian, tempDir, type Guardian } from '../main/headless/testing/guardian';
import { seed } from './dashboard';
import { formatTable, measure, ms, percentile, type Sample } from './lib/measure';

/**
 * `npm run bench -- wire [--servers 10000] [--cold 20] [--iterations 30]`
 *
 * The fleet overview on the wire at --servers servers (seeded as `bench dashboard` seeds its cold
 * load: two checks each, a day of hourly and a month of daily rollups, a quarter down or degraded),
 * from a real `guardian serve`: its size as sent without Accept-Encoding, with gzip only and with
 * br, and the cold load for each (a new TCP connection per request, to the decoded and parsed
 * body, so the client's decompression is counted), in both forms: rows (the API's default) and
 * columns (form=columns, what the UI reads). Then, in this process, the time to compress
 * that body once with the server's own settings (COMPRESSION in main/headless/http/server.ts).
 * Asserts nothing.
 */

const ENCODINGS = ['identity', 'gzip', 'br'] as const;
type Encoding = (typeof ENCODINGS)[number];
const FORMS = ['rows', 'columns'] as const;
type Form = (typeof FORMS)[number];

interface Fetched {
  ms: number;
  wireBytes: number;
  encoding: string;
  body: string;
}

/** GET over a new connection; the body as sent and the time to it decoded and parsed. */
function coldGet(guardian: Guardian, path: string, encoding: Encoding): Promise<Fetched> {
  const url = guardian.at(path);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const headers = { ...guardian.auth(), connection: 'close', ...(encoding === 'identity' ? {} : { 'accept-encoding': encoding }) };
    const req = request(url, { agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode} for ${url.href}`));
        const wire = Buffer.concat(chunks);
        const sent = res.headers['content-encoding'] ?? 'identity';
        const body = (sent === 'br' ? brotliDecompressSync(wire) : sent === 'gzip' ? gunzipSync(wire) : wire).toString('utf8');
        JSON.parse(body);
        resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, wireBytes: wire.length, encoding: sent, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const kb = (bytes: number) => (bytes / 1024).toFixed(0);

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      servers: { type: 'string', default: '10000' },
      cold: { type: 'string', default: '20' },
      iterations: { type: 'string', default: '30' },
    },
  });
  const servers = Number(values.servers);
  const rounds = Number(values.cold);
  try {
    const dataDir = tempDir('guardian-bench-wire-');
    const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless' });
    try {
      await seed(core, servers, 1, 31);
    } finally {
      await core.close();
    }
    const guardian = await startGuardian({ dataDir, args: ['--log-level', 'warn'] });
    const cold = new Map<string, { wireBytes: number; encoding: string; sample: Sample }>();
    const bodies = new Map<Form, string>();
    try {
      // The first overview after start also reads the uptime index from the rollups.
      await coldGet(guardian, toHttpRequest(methods['health.overview'], {}).url, 'identity');
      for (const form of FORMS) {
        const path = toHttpRequest(methods['health.overview'], { form }).url;
        for (const encoding of ENCODINGS) {
          const times: number[] = [];
          let last: Fetched | undefined;
          for (let i = 0; i < rounds; i++) {
            last = await coldGet(guardian, path, encoding);
            times.push(last.ms);
          }
          times.sort((a, b) => a - b);
          if (!last) throw new Error('--cold must be at least 1');
          if (encoding === 'identity') bodies.set(form, last.body);
          cold.set(`${form}/${encoding}`, {
            wireBytes: last.wireBytes,
            encoding: last.encoding,
            sample: { n: times.length, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) },
          });
        }
      }
    } finally {
      await guardian.stop();
    }

    const options = { iterations: Number(values.iterations), warmup: 2, budgetMs: 30_000 };
    const compressTime = new Map<string, Sample>();
    for (const form of FORMS) {
      const body = bodies.get(form) ?? '';
      compressTime.set(`${form}/gzip`, await measure(async () => gzipSync(body, COMPRESSION.zlibOptions), options));
      compressTime.set(`${form}/br`, await measure(async () => brotliCompressSync(body, COMPRESSION.brotliOptions), options));
    }

    const identityBytes = cold.get('rows/identity')?.wireBytes ?? 0;
    process.stdout.write(
      `\nfleet overview at ${servers} servers on the wire (guardian serve, cold: a new TCP connection per request, to the decoded, parsed body); ` +
        `rows: the servers as objects (the API's default), columns: form=columns, as the UI asks for them\n\n`,
    );
    process.stdout.write(
      `${formatTable(
        ['form', 'Accept-Encoding', 'sent as', 'KB on the wire', 'of rows as is', 'cold p50 ms', 'cold p99 ms', 'compress once p50 ms', 'goal'],
        FORMS.flatMap((form) =>
          ENCODINGS.map((encoding) => {
            const row = cold.get(`${form}/${encoding}`);
            const time = compressTime.get(`${form}/${encoding}`);
            return [
              form,
              encoding === 'identity' ? '(none)' : encoding,
              row?.encoding ?? '',
              kb(row?.wireBytes ?? 0),
              `${(((row?.wireBytes ?? 0) / identityBytes) * 100).toFixed(1)} %`,
              ms(row?.sample.p50Ms ?? Number.NaN),
              ms(row?.sample.p99Ms ?? Number.NaN),
              time ? ms(time.p50Ms) : '',
              encoding === 'identity' ? '' : '< 300 KB, < 150 ms',
            ];
          }),
        ),
      )}\n`,
    );
    const brTime = compressTime.get('rows/br');
    process.stdout.write(
      `\ncompress once: this process, the server's settings (gzip level ${COMPRESSION.zlibOptions.level}, br quality ${COMPRESSION.brotliOptions.params[zlib.BROTLI_PARAM_QUALITY]}, text mode), ${brTime?.n ?? 0} runs\n`,
    );
  } finally {
    await cleanUp();
  }
}
