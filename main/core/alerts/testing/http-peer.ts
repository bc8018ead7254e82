import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A plain HTTP service on 127.0.0.1 standing in for Slack, Discord, Teams, ntfy and the like in
 * the channel tests: it keeps every request as the service would see it (method, path with its
 * query, headers, body) and answers as scripted (200 once the script is used up). Only tests
 * import this module.
 */

export interface PeerAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface PeerRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface HttpPeer {
  /** http://127.0.0.1:<port> */
  origin: string;
  requests: PeerRequest[];
  script(...answers: PeerAnswer[]): void;
  close(): Promise<void>;
}

export async function httpPeer(fallback: PeerAnswer = { status: 200, body: 'ok' }): Promise<HttpPeer> {
  const requests: PeerRequest[] = [];
  const answers: PeerAnswer[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body, json });
      const answer = answers.shift() ?? fallback;
      response.writeHead(answer.status, answer.headers).end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    script: (...next) => answers.push(...next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
