import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/**
 * A real SMTP server on 127.0.0.1 for the email channel's tests (the `smtp-server` package):
 * STARTTLS with the certificate it is given, AUTH PLAIN and LOGIN, and each message answered as
 * the next scripted answer says (250 once the script is used up). It keeps what a mail server
 * sees: the login, whether the session was encrypted, the envelope and the raw message, which
 * `parseMail` takes apart. Only tests import this module.
 */

export type SmtpAnswer = 'ok' | { code: number; message: string };

export interface ReceivedMail {
  login: { method: string; username: string; password: string } | null;
  /** Whether the message came over TLS (STARTTLS or from the start). */
  secure: boolean;
  from: string;
  to: string[];
  raw: string;
  answer: SmtpAnswer;
}

export interface SmtpPeer {
  port: number;
  received: ReceivedMail[];
  /** Logins tried, good or not. */
  logins: { username: string; password: string }[];
  script(...answers: SmtpAnswer[]): void;
  close(): Promise<void>;
}

/** `noStartTls`: a server that does not do STARTTLS at all (not only one that does not announce it). */
export async function smtpPeer(options: { key: string; cert: string; secure?: boolean; noStartTls?: boolean; password?: string }): Promise<SmtpPeer> {
  const received: ReceivedMail[] = [];
  const logins: { username: string; password: string }[] = [];
  const answers: SmtpAnswer[] = [];
  const logged = new Map<string, ReceivedMail['login']>();
  const config: SMTPServerOptions = {
    key: options.key,
    cert: options.cert,
    secure: options.secure ?? false,
    hideSTARTTLS: options.noStartTls ?? false,
    disabledCommands: options.noStartTls ? ['STARTTLS'] : [],
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: true,
    logger: false,
    onAuth(auth, session, callback) {
      const username = auth.username ?? '';
      const password = auth.password ?? '';
      logins.push({ username, password });
      if (options.password !== undefined && password !== options.password) {
        callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
        return;
      }
      logged.set(session.id, { method: auth.method, username, password });
      callback(null, { user: username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const answer = answers.shift() ?? 'ok';
        received.push({
          login: logged.get(session.id) ?? null,
          secure: session.secure,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          answer,
        });
        if (answer === 'ok') callback(null, 'Queued');
        else callback(Object.assign(new Error(answer.message), { responseCode: answer.code }));
      });
    },
  };
  const server = new SMTPServer(config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    received,
    logins,
    script: (...next) => answers.push(...next),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ParsedMail {
  headers: Map<string, string>;
  text: string;
  html: string;
}

function decode(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '7bit').toLowerCase()) {
    case 'quoted-printable':
      return Buffer.from(
        body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    default:
      return body;
  }
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?= and =?UTF-8?B?…?=) as the text they stand for. */
function unfoldWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_match, how: string, text: string) =>
      how.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decode(text.replace(/_/g, ' '), 'quoted-printable'),
    );
}

function split(part: string): { headers: Map<string, string>; body: string } {
  const at = part.indexOf('\r\n\r\n');
  const head = at === -1 ? part : part.slice(0, at);
  const body = at === -1 ? '' : part.slice(at + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), unfoldWords(line.slice(colon + 1).trim()));
  }
  return { headers, body };
}

/** The headers and the text and HTML bodies of a multipart/alternative message, as a mail client shows them. */
export function parseMail(raw: string): ParsedMail {
  const { headers, body } = split(raw);
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get('content-type') ?? '')?.[1];
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1) : [body];
  let text = '';
  let html = '';
  for (const part of parts) {
    const inner = split(part.replace(/^\r\n/, ''));
    const type = boundary ? (inner.headers.get('content-type') ?? '') : (headers.get('content-type') ?? '');
    const decoded = decode(boundary ? inner.body : body, (boundary ? inner.headers : headers).get('content-transfer-encoding'));
    if (type.startsWith('text/plain')) text = decoded;
    else if (type.startsWith('text/html')) html = decoded;
  }
  const lines = (body: string) => body.replace(/\r\n/g, '\n').replace(/\n$/, '');
  return { headers, text: lines(text), html: lines(html) };
}
