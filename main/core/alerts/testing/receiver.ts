import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * A webhook receiver on 127.0.0.1 for the alerts tests: it verifies every request's signature
 * with the Standard Webhooks reference library (`standardwebhooks`), as a receiver would, and
 * answers each request as the next scripted answer says (200 once the script is used up).
 */

export type Answer = 200 | 500 | 410 | 'hang' | { status: 429; retryAfter: string };

export interface Received {
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the reference library made of it: the parsed payload, or its error. */
  verified: { ok: true; payload: unknown } | { ok: false; error: string };
  answer: Answer;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** The answers the next requests get, in order. */
  script(...answers: Answer[]): void;
  /** Requests being answered at this moment, at most, since it started. */
  readonly maxAtOnce: number;
  close(): Promise<void>;
}

/** `secrets`: what the receiver verifies with (any one signature matching any one secret passes, as the library does). */
export async function webhookReceiver(secrets: () => string[], hold: { ms: number } = { ms: 0 }): Promise<Receiver> {
  const received: Received[] = [];
  const answers: Answer[] = [];
  let atOnce = 0;
  let maxAtOnce = 0;
  const respond = (answer: Answer, response: ServerResponse) => {
    if (answer === 'hang') return;
    if (typeof answer === 'object') response.writeHead(answer.status, { 'retry-after': answer.retryAfter }).end('slow down');
    else response.writeHead(answer).end(answer === 200 ? 'ok' : 'no');
  };
  const server = createServer((request, response) => {
    atOnce += 1;
    maxAtOnce = Math.max(maxAtOnce, atOnce);
    response.on('close', () => (atOnce -= 1));
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
      let verified: Received['verified'] = { ok: false, error: 'no secret' };
      for (const secret of secrets()) {
        try {
          verified = { ok: true, payload: new Webhook(secret).verify(body, headers) };
          break;
        } catch (error) {
          verified = { ok: false, error: (error as Error).message };
        }
      }
      const answer = answers.shift() ?? 200;
      received.push({ id: String(request.headers['webhook-id']), headers: request.headers, body, verified, answer });
      setTimeout(() => respond(answer, response), hold.ms);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/guardian`,
    received,
    script: (...next) => answers.push(...next),
    get maxAtOnce() {
      return maxAtOnce;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An event a receiver was told, as its body says. */
export interface ToldEvent {
  type: string;
  data: Record<string, unknown>;
}

/**
 * What a receiver was told, each body parsed once its signature checks against one of `secrets`
 * for the timestamp it was sent with, or null for one none signed. The library's own check also
 * refuses a timestamp 5 minutes from its (real) clock, and tests on a fake clock send hours later.
 */
export function signedEvents(receiver: Receiver, secrets: readonly string[]): (ToldEvent | null)[] {
  return receiver.received.map(({ headers, body }) => {
    const id = String(headers['webhook-id']);
    const timestamp = new Date(Number(headers['webhook-timestamp']) * 1000);
    const sent = String(headers['webhook-signature']).split(' ');
    const signed = secrets.some((secret) => sent.includes(new Webhook(secret).sign(id, timestamp, body)));
    return signed ? (JSON.parse(body) as ToldEvent) : null;
  });
}
