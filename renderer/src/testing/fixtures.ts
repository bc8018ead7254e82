import { AppError, type ErrorCode, type ValidationIssue } from '@shared/api';
import type { AlertChannel, AlertRule } from '@shared/api/alerts';
import type { Me } from '@shared/api/auth';
import type { Job } from '@shared/api/jobs';
import type { OperationRun, OutputMatch } from '@shared/api/operations';
import type { Runbook } from '@shared/api/runbooks';
import type { Server } from '@shared/api/servers';
import type { User } from '@shared/api/users';
import type { Secret, VaultStatus } from '@shared/api/vault';

export function server(overrides: Partial<Server> = {}): Server {
  return {
    id: '7d1f6a43-3c2e-4b8a-9f51-2f3c4d5e6a7b',
    name: 'web-01',
    host: 'web01.example.com',
    port: 22,
    user: 'deploy',
    environment: 'production',
    tags: ['web'],
    notes: '',
    jumpHostId: null,
    agentForwarding: false,
    dependsOnId: null,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function job(overrides: Partial<Job> = {}): Job {
  return {
    id: '0b6f1c2e-8a4d-4e9b-b1c3-5d6e7f8a9b0c',
    kind: 'servers.import',
    title: 'Import servers from fleet.csv',
    status: 'queued',
    done: 0,
    total: null,
    result: null,
    error: null,
    createdBy: 'user:alice',
    createdAt: 1_700_000_000_000,
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

/** The error the router answers with when a field is wrong, as it arrives after the transport. */
export function fieldError(code: 'VALIDATION_FAILED' | 'CONFLICT', issues: ValidationIssue[]): AppError {
  return AppError.fromShape({
    code,
    message: code === 'CONFLICT' ? 'A server with this name already exists.' : 'The input is not valid.',
    hint: 'Correct the fields named above and try again.',
    retryable: false,
    correlationId: 'c0ffee00-0000-4000-8000-000000000000',
    issues,
  });
}

export function me(overrides: Partial<Me> = {}): Me {
  return {
    id: '3a9c2f1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b',
    username: 'alice',
    displayName: 'Alice Admin',
    role: 'admin',
    mustChangePassword: false,
    totpEnabled: false,
    csrfToken: 'csrf-token-1',
    sessionExpiresAt: Date.now() + 12 * 3_600_000,
    idleTimeoutMs: 15 * 60_000,
    ...overrides,
  };
}

/** An error as the router answers it, after the transport. */
export function appError(code: ErrorCode, message: string, hint = 'Do the obvious thing.'): AppError {
  return AppError.fromShape({ code, message, hint, retryable: false, correlationId: 'c0ffee00-0000-4000-8000-000000000001' });
}

export function vaultStatus(overrides: Partial<VaultStatus> = {}): VaultStatus {
  return {
    initialized: true,
    locked: false,
    slots: [
      { id: '5e0c7a2b-1d3f-4e6a-8b9c-0d1e2f3a4b5c', kind: 'passphrase', label: 'Passphrase', createdAt: 1_700_000_000_000, lastUsedAt: 1_700_000_000_000 },
    ],
    os: { available: false, reason: 'No OS keychain is available here (guardian serve runs without a desktop session).' },
    keyFile: { source: 'none', reason: 'No key file was given to Guardian: start the service with --vault-key-file.' },
    autoLockMs: 15 * 60_000,
    rotation: { inProgress: false, remaining: 0 },
    ...overrides,
  };
}

export function secret(overrides: Partial<Secret> = {}): Secret {
  return {
    id: '8c4d2e1f-6a7b-4c8d-9e0f-1a2b3c4d5e6f',
    kind: 'password',
    name: 'db-01 root',
    tags: ['db'],
    serverIds: [],
    username: 'root',
    publicKey: null,
    fingerprint: null,
    createdAt: 1_700_000_000_000,
    createdBy: 'user:3a9c2f1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b',
    updatedAt: 1_700_000_000_000,
    updatedBy: 'user:3a9c2f1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b',
    lastUsedAt: null,
    lastUsedBy: null,
    ...overrides,
  };
}

export const ALERT_CHANNEL_ID = '1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b';
export const ALERT_RULE_ID = '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d';
export const ALERT_TOKEN_ID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

/** An alert channel (a webhook) and a rule sending to it, as the contract answers them. */
export function alertChannel(overrides: Partial<AlertChannel> = {}): AlertChannel {
  return {
    id: ALERT_CHANNEL_ID,
    name: 'on-call',
    type: 'webhook',
    config: { url: 'https://hooks.example.net/guardian', timeoutMs: 10_000, maxConcurrent: 4, verifyTls: true },
    secretId: ALERT_TOKEN_ID,
    previousSecretId: null,
    enabled: true,
    disabledReason: null,
    createdAt: 1_700_000_000_000,
    createdBy: 'user:alice',
    updatedAt: 1_700_000_000_000,
    ...overrides,
  } as AlertChannel;
}

export function alertRule(overrides: Partial<AlertRule> = {}): AlertRule {
  return {
    id: ALERT_RULE_ID,
    name: 'prod down',
    sources: ['incidents'],
    match: { serverIds: [server().id], tags: ['prod'], environments: [], severities: ['down'], checkTypes: [] },
    channelIds: [ALERT_CHANNEL_ID],
    escalation: [],
    repeatMinutes: null,
    enabled: true,
    createdAt: 1_700_000_000_000,
    createdBy: 'user:alice',
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

export const RUNBOOK_ID = '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d';

/** A runbook as the contract answers it: one text parameter, open to operators, at version 2. */
export function runbook(overrides: Partial<Runbook> = {}): Runbook {
  return {
    id: RUNBOOK_ID,
    name: 'restart-service',
    description: 'Restarts a unit.',
    script: 'systemctl restart "$SERVICE"',
    params: [{ name: 'SERVICE', type: 'string', description: '', required: true, default: 'nginx', maxLength: 4096, secret: false }],
    defaultTargets: null,
    concurrency: 10,
    timeoutSeconds: 300,
    rolling: null,
    sudo: false,
    dangerous: false,
    runnableBy: 'operator',
    version: 2,
    archivedAt: null,
    createdBy: 'user:alice',
    createdAt: 1_700_000_000_000,
    updatedBy: 'user:alice',
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

/** A target's first match of an output search, as operations.searchOutput answers it. */
export function outputMatch(overrides: Partial<OutputMatch> = {}): OutputMatch {
  return {
    runId: '3b2a1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d',
    command: 'cat /var/log/app.log',
    runbook: null,
    runCreatedAt: 1_700_000_000_000,
    serverId: server().id,
    serverName: server().name,
    state: 'failed',
    finishedAt: 1_700_000_001_000,
    stream: 'stderr',
    printedAt: 1_700_000_000_500,
    excerpt: { before: 'open /etc/app: ', match: 'Permission denied', after: ' (errno 13)' },
    ...overrides,
  };
}

/** An account as users.list answers it. */
export function user(overrides: Partial<User> = {}): User {
  return {
    id: '5c4b3a29-1807-4f6e-9d5c-4b3a29180700',
    username: 'bruno',
    displayName: 'Bruno Operator',
    role: 'operator',
    disabled: false,
    mustChangePassword: false,
    totpEnabled: false,
    createdAt: 1_700_000_000_000,
    lastLoginAt: null,
    ...overrides,
  };
}

/** A finished ad-hoc run in the history (operations.runs), started by the signed-in user (me()), whose one target succeeded. */
export function operationRun(overrides: Partial<OperationRun> = {}): OperationRun {
  return {
    id: '4c3b2a1d-0e9f-4a8b-8c7d-6e5f4a3b2c1d',
    jobId: '5d4c3b2a-1e0f-4a9b-8c8d-7e6f5a4b3c2d',
    command: 'uptime',
    runbook: null,
    params: {},
    sudo: false,
    rerunOf: null,
    selector: { serverIds: [server().id], tags: [], environments: [] },
    concurrency: 10,
    timeoutSeconds: 300,
    rolling: null,
    stopReason: null,
    file: null,
    status: 'finished',
    createdBy: `user:${me().id}`,
    createdAt: 1_700_000_000_000,
    finishedAt: 1_700_000_002_000,
    counts: { queued: 0, connecting: 0, running: 0, succeeded: 1, failed: 0, 'timed-out': 0, cancelled: 0, skipped: 0 },
    ...overrides,
  };
}
