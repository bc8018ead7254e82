import { isIP } from 'node:net';
import { connect } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import { tlsConfig, type TlsConfig } from '@shared/health/tls';
import { type CheckStatus, type CheckType, days, daysUntil, hostPort, isoDay, reach, refusedHost, socketCheck, stopwatch, tlsReason } from '../check';

/** Whether `cert` is for `name` (a host name or an IP address). */
export function certMatches(cert: X509Certificate, name: string): boolean {
  return isIP(name) ? cert.checkIP(name) !== undefined : cert.checkHost(name) !== undefined;
}

/** The names a certificate is for: its subject alternative names, or its common name. */
export function certNames(cert: X509Certificate): string[] {
  const sans = (cert.subjectAltName ?? '')
    .split(',')
    .map((entry) => entry.trim().replace(/^(DNS|IP Address):/, ''))
    .filter((entry) => entry.length > 0);
  if (sans.length > 0) return sans;
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  return cn ? [cn] : [];
}

/** Verification codes the dates and name checks below already report in their own words. */
const COVERED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID']);

export interface CertFacts {
  cert: X509Certificate;
  /** Whether the chain verified (node's `authorized`). */
  authorized: boolean;
  /** node's `authorizationError`: an OpenSSL or node code, when not authorized. */
  authorizationError?: string;
}

export interface CertPolicy {
  name: string;
  now: number;
  expiryDegradedDays: number;
  expiryDownDays: number;
  allowUntrusted: boolean;
}

/**
 * The verdict on a certificate, apart from how it was fetched (the http check uses it too):
 * dates, name, chain and time left, each with its own words.
 */
export function judgeCertificate(
  { cert, authorized, authorizationError }: CertFacts,
  policy: CertPolicy,
): { status: CheckStatus; message: string; data: Record<string, unknown> } {
  const validFrom = new Date(cert.validFrom);
  const validTo = new Date(cert.validTo);
  const daysLeft = daysUntil(validTo, policy.now);
  const names = certNames(cert);
  const chainProblem = !authorized && authorizationError && !COVERED.has(authorizationError) ? tlsReason(authorizationError) : undefined;
  const data = {
    names,
    issuer: cert.issuer,
    validFrom: validFrom.toISOString(),
    validTo: validTo.toISOString(),
    daysLeft,
    authorized: authorized || chainProblem === undefined,
    authorizationError: authorizationError ?? null,
    fingerprint256: cert.fingerprint256,
  };

  const down: string[] = [];
  if (policy.now < validFrom.getTime()) down.push(`certificate is not valid until ${isoDay(validFrom)}`);
  if (policy.now > validTo.getTime()) down.push(`certificate expired ${days(-daysLeft)} ago (on ${isoDay(validTo)})`);
  if (!certMatches(cert, policy.name)) down.push(`certificate is for ${names.join(', ') || 'no name'}, not ${policy.name}`);
  if (chainProblem && !policy.allowUntrusted) down.push(`certificate not trusted: ${chainProblem}`);
  if (down.length > 0) return { status: 'down', message: down.join('; '), data };

  const remainingMs = validTo.getTime() - policy.now;
  const expires = `certificate expires in ${days(daysLeft)} (${isoDay(validTo)})`;
  if (remainingMs < policy.expiryDownDays * 86_400_000) return { status: 'down', message: expires, data };
  if (remainingMs < policy.expiryDegradedDays * 86_400_000) return { status: 'degraded', message: expires, data };
  const trust = chainProblem ? `not trusted (allowed): ${chainProblem}` : 'trusted';
  return { status: 'up', message: `certificate for ${policy.name} valid for ${days(daysLeft)} (until ${isoDay(validTo)}), ${trust}`, data };
}

/** A TLS handshake, then a verdict on the certificate: validity, chain, name, time to expiry. */
export const tlsCheck: CheckType<TlsConfig> = {
  type: 'tls',
  configSchema: tlsConfig,
  run(config, ctx) {
    const refused = refusedHost(ctx, config.host);
    if (refused) return Promise.resolve(refused);
    const target = hostPort(config.host, config.port);
    const name = config.servername ?? config.host;
    const elapsed = stopwatch();
    const { lookup } = reach(ctx);
    const open = () =>
      connect({
        ...(lookup ? { lookup } : {}),
        host: config.host,
        port: config.port,
        // SNI carries host names only; an IP address is not sent.
        servername: isIP(name) ? undefined : name,
        ca: config.ca,
        rejectUnauthorized: false,
      });
    return socketCheck(ctx, target, open, (socket, finish) => {
      socket.once('secureConnect', () => {
        const latencyMs = elapsed();
        const cert = socket.getPeerX509Certificate();
        if (!cert) return finish({ status: 'down', latencyMs, message: `${target} sent no certificate` });
        const verdict = judgeCertificate(
          { cert, authorized: socket.authorized, authorizationError: socket.authorizationError ? String(socket.authorizationError) : undefined },
          { name, now: ctx.now(), expiryDegradedDays: config.expiryDegradedDays, expiryDownDays: config.expiryDownDays, allowUntrusted: config.allowUntrusted },
        );
        finish({ status: verdict.status, latencyMs, message: verdict.message, data: { ...verdict.data, protocol: socket.getProtocol() } });
      });
    });
  },
};
