import type { ApiKey } from '@shared/api/users';
import type { AppErrorShape } from '@shared/api/errors';
import { VerifyReport } from '@shared/api/audit';
import { durationWords } from '@shared/duration';
import type { NoServerAlert } from './service';

/**
 * The words of each source about no server (docs/alerts.md, "Sources about no server"), from
 * the facts the domain it happened in hands over. Nothing here is ever given a secret: an API
 * key's name and id (never its token), an account's name, a job's error as its caller sees it
 * (which never holds one, docs/architecture.md §3).
 */

/** An account, or an address, locked out of signing in by too many failures. */
export interface Lockout {
  /** The account locked, when the name tried is one; a name that is no account is never repeated (it may be a password typed in the wrong field). */
  account: { id: string; username: string } | null;
  /** Whether a name that is no account was locked. */
  unknownName: boolean;
  /** The address locked, when it was. */
  origin: string | null;
  until: number;
}

export function lockoutAlert({ account, unknownName, origin, until }: Lockout): NoServerAlert {
  const who = account ? `the account ${account.username}` : unknownName ? 'a name that is no account' : null;
  const parts = [who, origin ? `the address ${origin}` : null].filter((part): part is string => part !== null);
  return {
    source: 'security.lockout',
    data: {
      title: account ? `${account.username} is locked out of signing in` : `Sign-in locked for ${parts.join(' and ')}`,
      message: `Too many failed sign-ins for ${parts.join(' from ')}: sign-in is locked until ${new Date(until).toISOString()}.`,
      about: account ? { kind: 'account', id: account.id, name: account.username } : { kind: 'origin', id: `origin:${origin ?? 'unknown'}`, name: origin },
      facts: [
        ...(account ? [{ label: 'Account', value: account.username }] : unknownName ? [{ label: 'Account', value: 'a name that is no account' }] : []),
        ...(origin ? [{ label: 'From', value: origin }] : []),
        { label: 'Locked until', value: new Date(until).toISOString() },
      ],
      page: '#/audit',
    },
  };
}

export function signInBurstAlert(failures: number, windowMs: number, at: number): NoServerAlert {
  const within = durationWords(windowMs);
  return {
    source: 'security.signin-burst',
    data: {
      title: `${failures} failed sign-ins within ${within}`,
      message: `${failures} sign-ins or one-time codes failed within ${within}, across every account and address: someone may be guessing passwords.`,
      about: { kind: 'sign-in', id: `burst:${at}`, name: null },
      facts: [
        { label: 'Failures', value: String(failures) },
        { label: 'Within', value: within },
      ],
      page: '#/audit',
    },
  };
}

export function apiKeyCreatedAlert(key: Pick<ApiKey, 'id' | 'name' | 'role' | 'createdBy' | 'expiresAt' | 'owner'>): NoServerAlert {
  return {
    source: 'apikey.created',
    data: {
      title: `API key "${key.name}" created by ${key.createdBy}`,
      message: `${key.createdBy} created the API key "${key.name}" with the role ${key.role}${key.expiresAt === null ? ', never expiring' : `, expiring ${new Date(key.expiresAt).toISOString()}`}.`,
      about: { kind: 'api-key', id: key.id, name: key.name },
      facts: [
        { label: 'Key', value: key.name },
        { label: 'Role', value: key.role },
        { label: 'Created by', value: key.createdBy },
        ...(key.owner ? [{ label: 'Acts for', value: key.owner.username }] : []),
        { label: 'Expires', value: key.expiresAt === null ? 'never' : new Date(key.expiresAt).toISOString() },
      ],
      page: '#/apikeys',
    },
  };
}

/** A job that ended, as the jobs domain hands it over. */
export interface JobEnding {
  id: string;
  kind: string;
  title: string;
  createdBy: string;
  status: string;
  result: unknown;
  error: AppErrorShape | null;
}

export function jobFailedAlert(job: JobEnding): NoServerAlert {
  const why = job.error ? `${job.error.message}${job.error.hint ? ` ${job.error.hint}` : ''}` : 'no error recorded';
  return {
    source: 'job.failed',
    data: {
      title: `Job failed: ${job.title}`,
      message: `The job "${job.title}" (${job.kind}) failed: ${why}`,
      about: { kind: 'job', id: job.id, name: job.title },
      facts: [
        { label: 'Job', value: job.title },
        { label: 'Kind', value: job.kind },
        { label: 'Started by', value: job.createdBy },
        ...(job.error ? [{ label: 'Error', value: job.error.code }] : []),
      ],
      page: '#/jobs',
    },
  };
}

/** The audit chain broken, from a verification job's report; null when the report says it holds. */
export function chainBrokenAlert(job: JobEnding): NoServerAlert | null {
  if (job.kind !== 'audit.verify' || job.status !== 'succeeded') return null;
  const report = VerifyReport.safeParse(job.result);
  if (!report.success) return null;
  const { broken, expectedHead, summary } = report.data;
  const headMissing = expectedHead !== null && expectedHead.foundAt === null;
  if (report.data.intact && !headMissing) return null;
  return {
    source: 'audit.chain-broken',
    data: {
      title: broken ? `The audit chain is broken at event ${broken.seq}` : 'The audit chain no longer holds the head hash kept elsewhere',
      message: `Verifying the audit log found it changed: ${summary}`,
      about: { kind: 'job', id: job.id, name: job.title },
      facts: [
        ...(broken
          ? [
              { label: 'First broken event', value: String(broken.seq) },
              { label: 'What is wrong', value: broken.message },
            ]
          : []),
        ...(headMissing ? [{ label: 'Head hash kept elsewhere', value: 'not in the chain' }] : []),
        { label: 'Verified by', value: job.createdBy },
      ],
      page: '#/audit',
    },
  };
}

/** What a job's end tells: its failure, or the audit chain it found broken; none for the rest. */
export function jobEndAlert(job: JobEnding): NoServerAlert | null {
  return job.status === 'failed' ? jobFailedAlert(job) : chainBrokenAlert(job);
}
