import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { emailConfig, type EmailConfig } from '@shared/alerts/email';
import type { TargetPolicy } from '../targets';
import type { AlertChannelType, Delivery, DeliveryResult } from './channel';
import { escapeHtml, type Summary } from './event';
import { describeNetworkError } from './http';

/**
 * The email channel (docs/alerts.md): one message per notification through an SMTP server, in
 * plain text and HTML. The server's name goes through the target policy like an HTTP channel's:
 * it is resolved here, every address checked, and nodemailer connects to the checked address
 * (the name kept for TLS), so a name re-pointed at an internal address is refused. A 4xx answer
 * or a lost connection is retried by the worker; a 5xx is the server refusing for good, failed at
 * once and said plainly. The password (the channel's vault secret) is only ever handed to
 * nodemailer's AUTH, over TLS: a config without TLS cannot have a login.
 */

/** The longest one message may take, whatever the timeouts: under the worker's claim (CLAIM_MS, 2 minutes). */
const MAX_SEND_MS = 90_000;

/** What an SMTP server's words are cut to in the log: enough to tell why, never a whole transcript. */
const MAX_REPLY = 200;

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** The message for an event: the subject, and the same words as plain text and as escaped HTML. */
export function renderMail(summary: Summary, notificationId: string): RenderedMail {
  const footer = `Sent by Guardian. Notification ${notificationId}${summary.incidentId ? `, incident ${summary.incidentId}` : ''}, at ${summary.timestamp}.`;
  const text = [
    summary.title,
    '',
    summary.text,
    '',
    ...summary.fields.map(({ label, value }) => `${label}: ${value}`),
    ...(summary.fields.length > 0 ? [''] : []),
    footer,
    '',
  ].join('\n');
  const rows = summary.fields
    .map(({ label, value }) => `<tr><th align="left" style="padding-right:12px">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2>${escapeHtml(summary.title)}</h2>`,
    `<p>${escapeHtml(summary.text).replace(/\n/g, '<br>')}</p>`,
    rows ? `<table>${rows}</table>` : '',
    `<p style="color:#666;font-size:smaller">${escapeHtml(footer)}</p>`,
    '</body></html>',
  ].join('');
  return { subject: `[Guardian] ${summary.title}`, text, html };
}

/** Every address `host` resolves to, each checked by the policy; the first to connect to. */
function resolveChecked(host: string, policy: TargetPolicy): Promise<string> {
  return new Promise((resolve, reject) => {
    policy.lookup(host, { all: true }, (error, addresses) => {
      if (error) return reject(error);
      const first = Array.isArray(addresses) ? addresses[0]?.address : addresses;
      if (!first) {
        const none: NodeJS.ErrnoException = new Error(`${host} has no address`);
        none.code = 'ENOTFOUND';
        return reject(none);
      }
      resolve(first);
    });
  });
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
}

/** The server's words, one line, cut short, and without the password should a server ever echo it. */
function reply(text: string | undefined, secrets: readonly string[]): string {
  let line = (text ?? '').replace(/\s+/g, ' ').trim();
  for (const secret of secrets) if (secret) line = line.split(secret).join('***');
  return line.length > MAX_REPLY ? `${line.slice(0, MAX_REPLY)}…` : line;
}

function failure(error: unknown, config: EmailConfig, secrets: readonly string[], latencyMs: number): DeliveryResult {
  const smtp = (error ?? {}) as SmtpError;
  const where = `${config.host}:${config.port}`;
  const cause = (error as { message?: string } | null)?.message ?? '';
  if (smtp.code === 'ETLS')
    return { statusCode: null, error: `${where} did not do STARTTLS, and the channel sends only over TLS`, latencyMs, retryAfterMs: null };
  if ((smtp.code === 'ESOCKET' || smtp.code === 'ECONNECTION') && /certificate|self[- ]signed|CERT|altnames/i.test(cause))
    return { statusCode: null, error: `${where}'s TLS certificate was not accepted`, latencyMs, retryAfterMs: null };
  const code = smtp.responseCode;
  if (typeof code === 'number' && code >= 400) {
    const words = reply(smtp.response, secrets);
    const permanent = code >= 500;
    const what = smtp.code === 'EAUTH' ? 'refused the login' : permanent ? 'refused the message' : 'turned the message away for now';
    return {
      statusCode: code,
      error: `the SMTP server ${where} ${what}: ${words || code}${permanent ? ' (permanent: not retried)' : ''}`,
      latencyMs,
      retryAfterMs: null,
      permanent,
    };
  }
  // nodemailer wraps a socket's failure as ESOCKET or ECONNECTION; the system's code (ECONNREFUSED, …) is in its words.
  const system = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/.exec(cause)?.[1];
  const network = smtp.code === 'ETIMEDOUT' ? { code: 'ETIMEDOUT' } : system ? { code: system } : error;
  return { statusCode: null, error: describeNetworkError(network, where, config.host, config.timeoutMs), latencyMs, retryAfterMs: null };
}

/** The domain of an address, for the Message-ID and the incident's thread. */
const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1) || 'guardian.invalid';

export const emailChannel: AlertChannelType<EmailConfig> = {
  type: 'email',
  configSchema: emailConfig,
  hostOf: (config) => config.host,
  hostField: 'host',
  secret: { required: false, kind: 'password', purpose: 'send' },
  secretRule(config, hasSecret) {
    if (hasSecret && config.username === null)
      return { path: ['config', 'username'], message: 'A password needs a username to log in with', hint: 'Set config.username, or leave secretId out.' };
    if (!hasSecret && config.username !== null)
      return { path: ['secretId'], message: 'A login needs its password', hint: 'Store the password in the vault and name it as secretId.' };
    return null;
  },
  async send(config, delivery: Delivery): Promise<DeliveryResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const [password] = delivery.secrets;
    if (password !== undefined && config.username === null)
      return { statusCode: null, error: 'the channel has a password but no username to log in with', latencyMs: 0, retryAfterMs: null, permanent: true };
    const refused = delivery.policy.refuseHost(config.host);
    if (refused) return { statusCode: null, error: refused, latencyMs: 0, retryAfterMs: null };
    let address: string;
    try {
      address = await resolveChecked(config.host, delivery.policy);
    } catch (error) {
      return failure(error, config, delivery.secrets, elapsed());
    }
    const named = isIP(config.host) === 0;
    // Loaded on the first email, not with the core: most processes (every CLI command) never send one.
    const { default: nodemailer } = await import('nodemailer');
    const transport = nodemailer.createTransport({
      host: address,
      port: config.port,
      secure: config.security === 'tls',
      requireTLS: config.security === 'starttls',
      ignoreTLS: config.security === 'none',
      auth: config.username !== null && password !== undefined ? { user: config.username, pass: password } : undefined,
      connectionTimeout: config.timeoutMs,
      greetingTimeout: config.timeoutMs,
      socketTimeout: config.timeoutMs,
      dnsTimeout: config.timeoutMs,
      tls: { rejectUnauthorized: config.verifyTls, minVersion: 'TLSv1.2', ...(named ? { servername: config.host.replace(/\.$/, '') } : {}) },
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
      debug: false,
    });
    const mail = renderMail(delivery.summary, delivery.id);
    const domain = domainOf(config.from);
    const { summary } = delivery;
    // The same Message-ID on every retry lets a mail client show a repeated delivery once; an
    // incident's messages share a thread.
    const thread = summary.incidentId ? `<incident-${summary.incidentId}@${domain}>` : undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const sent = (await Promise.race([
        transport.sendMail({
          from: config.from,
          to: config.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: `<${delivery.id}@${domain}>`,
          ...(thread ? { references: thread, inReplyTo: delivery.event.type === 'incident.opened' ? undefined : thread } : {}),
          headers: {
            'X-Guardian-Event': delivery.event.type,
            ...(summary.incidentId ? { 'X-Guardian-Incident': summary.incidentId } : {}),
            'Auto-Submitted': 'auto-generated',
          },
        }),
        new Promise<never>((_resolve, reject) => {
          // Each step has its timeout; this bounds a server that answers every step slowly, and stays
          // under the worker's 2-minute claim, so a slow send is never sent a second time meanwhile.
          timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), Math.min(config.timeoutMs * 3, MAX_SEND_MS));
        }),
      ])) as { response?: string };
      const code = Number(/^(\d{3})/.exec(sent.response ?? '')?.[1] ?? 250);
      return { statusCode: code, error: null, latencyMs: elapsed(), retryAfterMs: null };
    } catch (error) {
      return failure(error, config, delivery.secrets, elapsed());
    } finally {
      clearTimeout(timer);
      transport.close();
    }
  },
};
