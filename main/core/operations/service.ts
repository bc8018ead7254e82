import { createHash } from 'node:crypto';
import { AppError, validationError } from '@shared/api/errors';
import { isFinished, type Job } from '@shared/api/jobs';
import {
  FINAL_TARGET_STATES,
  OUTPUT_CAP_BYTES,
  REDACTED,
  DEFAULT_RUN_RETENTION_DAYS,
  OperationsSettings,
  type OperationPushRequest,
  type OperationRunRequest,
  type PushedFile,
  type ParamValues,
  type RollingSettings,
  type OperationRunWithTargets,
  type OperationsRunsFilter,
  type OperationTarget,
  type OutputChunk,
  type TargetSelector,
  type TargetState,
} from '@shared/api/operations';
import { RUNBOOK_RUNNER_ROLES, type RunbookParam, type RunbookRunRequest } from '@shared/api/runbooks';
import type { Server } from '@shared/api/servers';
import { pastThreshold, perBatchOf, thresholdReason } from '@shared/operations/rolling';
import { selects } from '@shared/operations/selector';
import { principalAllows, type Principal } from '@shared/permissions';
import { actorName } from '../api/caller';
import type { AuditEntry } from '../audit';
import type { Clock } from '../clock';
import type { AsyncDatabase } from '../db/engine';
import type { EventBus } from '../events/bus';
import { hostPort, jumpRoute, serverLogin, withSshSession, type CheckContext, type CheckResult, type HostKeyStore, type SshKeepalive } from '../health';
import type { JobContext, JobService } from '../jobs';
import type { Logger } from '../logging/logger';
import type { ServerService } from '../servers';
import type { SettingsStore } from '../settings';
import { repeatUnref } from '../timers';
import type { SecretStore } from '../vault';
import { execute, TargetOutput } from './exec';
import { pushFile, type PushSpec } from './push';
import { envFor, resolveParams, secretNames, type ResolvedParams } from './params';
import { pruneRuns } from './retention';
import type { RunbookService } from './runbooks';
import { searchOutput } from './search';
import { countsOf, OperationStore, type SearchFilter } from './store';
import { TerminalStore } from './terminal-store';

/**
 * Commands on many servers (docs/operations.md), ad-hoc or a runbook's script with its
 * parameters: a run is a job; each target is one SSH session with the server's linked vault
 * credential and its pinned host key, at most `concurrency` at a time and one per host; what each
 * prints goes out live, batched, secrets masked, and is stored capped, with its hash, when it ends.
 */

export interface OperationsDeps {
  data: AsyncDatabase;
  jobs: JobService;
  events: EventBus;
  clock: Clock;
  newId: () => string;
  logger: Logger;
  servers: Pick<ServerService, 'all'>;
  secrets: Pick<SecretStore, 'list' | 'use'>;
  hostKeys: HostKeyStore;
  runbooks: RunbookService;
  audit: { append(entries: readonly AuditEntry[]): Promise<unknown> };
  /** Whether cloud metadata addresses may be connected to (the monitoring setting). */
  allowMetadata: () => boolean;
  /** Where the retention period is kept (the `operations` key). */
  settings: SettingsStore;
  /** How often live output goes out per run; 100 ms unless a test says. */
  flushMs?: number;
  /** SSH keepalives for every session and hop; SSH_KEEPALIVE (15 s, 3) unless a test says. */
  sshKeepalive?: SshKeepalive;
  /** The SSH agent forwarded to servers whose agent forwarding is on: the Guardian process's SSH_AUTH_SOCK, read at each connection, unless a test says. */
  agentSocket?: () => string | undefined;
}

const SETTINGS_KEY = 'operations';
/** Retention first runs a minute after start (not in the way of starting), then every 6 hours, as the health results' does. */
const RETENTION_FIRST_MS = 60_000;
const RETENTION_EVERY_MS = 6 * 3_600_000;

/** Most text of one target in one live batch; past it the batch says how much it left out (the stored output has it). */
const LIVE_BATCH_BYTES = 64 * 1024;
const FLUSH_MS = 100;

interface ActiveRun {
  /** Aborted to cancel the whole run. */
  controller: AbortController;
  /** Each target's own cancel. */
  targets: Map<string, AbortController>;
  /** Targets someone cancelled, so a queued one is never started. */
  cancelled: Set<string>;
  principal: Principal;
  origin: string;
}

/** Live output of one run, sent at most every `flushMs`, so a chatty target costs one event per interval, not one per read. */
class LiveOutput {
  private pending = new Map<string, { chunks: OutputChunk[]; bytes: number; dropped: number }>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly runId: string,
    private readonly events: EventBus,
    private readonly flushMs: number,
  ) {}

  private entry(serverId: string) {
    let entry = this.pending.get(serverId);
    if (!entry) this.pending.set(serverId, (entry = { chunks: [], bytes: 0, dropped: 0 }));
    return entry;
  }

  /** Whether the next batch still has room for this target's text. */
  room(serverId: string): boolean {
    return (this.pending.get(serverId)?.bytes ?? 0) < LIVE_BATCH_BYTES;
  }

  /** Bytes the next batch has no room for, said in it. */
  skip(serverId: string, bytes: number): void {
    this.entry(serverId).dropped += bytes;
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  add(serverId: string, chunk: OutputChunk): void {
    const entry = this.entry(serverId);
    const size = Buffer.byteLength(chunk.text);
    if (entry.bytes + size > LIVE_BATCH_BYTES) entry.dropped += size;
    else {
      entry.bytes += size;
      const last = entry.chunks.at(-1);
      if (last && last.stream === chunk.stream) last.text += chunk.text;
      else entry.chunks.push({ ...chunk });
    }
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const items = [...this.pending].map(([serverId, entry]) => ({
      serverId,
      chunks:
        entry.dropped > 0
          ? [...entry.chunks, { t: entry.chunks.at(-1)?.t ?? 0, stream: 'stderr' as const, text: `\n[guardian: ${entry.dropped} bytes not shown live]\n` }]
          : entry.chunks,
    }));
    this.pending = new Map();
    this.events.emit('operation.output', { runId: this.runId, items });
  }
}

const SYSTEM: Principal = { kind: 'system', id: 'operations', name: 'operations', role: 'owner' };

const NO_PARAMS: ResolvedParams = { values: {}, recorded: {}, secrets: [] };

/** Everything one run needs, whichever way it was asked for (a command, a runbook, a re-run). */
interface RunPlan {
  command: string;
  selector: TargetSelector;
  servers: Server[];
  concurrency: number;
  timeoutSeconds: number;
  sudo: boolean;
  runbook: { id: string; name: string; version: number; params: readonly RunbookParam[] } | null;
  params: ResolvedParams;
  rerunOf: string | null;
  /** Batches and failure threshold; null runs every target at once. */
  rolling: RollingSettings | null;
  /** A push's file (then `command` only describes it, and is never run); null for a command. */
  file: FilePlan | null;
}

/** A file to push: what the run records, and its bytes, in memory only (null for a vault note, read per target). */
interface FilePlan {
  record: PushedFile;
  content: Buffer | null;
}

/** How long a push stopped by a cancel or its timeout has to remove its temporary file before its session is closed anyway. */
const PUSH_CLEANUP_MS = 5_000;

/**
 * Stops a push on a cancel or at its timeout without closing its session under it, so the push
 * removes its temporary file first: `stop` is what the push watches; `session` what the SSH
 * session watches, aborted at once while connecting, or once the push had PUSH_CLEANUP_MS to
 * clean up.
 */
class PushStop {
  readonly stop = new AbortController();
  readonly session = new AbortController();
  timedOut = false;
  private pushing = false;
  private readonly timers: ReturnType<typeof setTimeout>[] = [];

  constructor(
    private readonly run: AbortSignal,
    timeoutMs: number,
  ) {
    if (run.aborted) this.halt();
    run.addEventListener('abort', this.halt, { once: true });
    this.timers.push(
      setTimeout(() => {
        this.timedOut = true;
        this.halt();
      }, timeoutMs),
    );
  }

  private readonly halt = () => {
    this.stop.abort();
    if (!this.pushing) this.session.abort();
    else this.timers.push(setTimeout(() => this.session.abort(), PUSH_CLEANUP_MS));
  };

  async during<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.pushing = true;
    try {
      return await work(this.stop.signal);
    } finally {
      this.pushing = false;
    }
  }

  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.run.removeEventListener('abort', this.halt);
  }
}

/** A push run's `command`: a description for lists and titles, never run. */
export function describePush(file: Pick<PushedFile, 'path' | 'mode' | 'owner'>): string {
  return `push ${file.path} (${file.mode}${file.owner ? `, ${file.owner}` : ''})`;
}

/** A rolling run's settings with the batches they come to for `total` targets, as the run records them. */
function rollingRecord(rolling: RollingSettings, total: number) {
  const perBatch = perBatchOf(rolling.batchSize, total);
  return { ...rolling, perBatch, batches: Math.ceil(total / perBatch) };
}

/** A refused host key: the target's, or a jump host's on the way (its server and address). */
interface Mismatch {
  expected: string;
  actual: string;
  serverId?: string;
  address?: string;
  jumpFor?: string;
}

const plural = (count: number) => `${count} ${count === 1 ? 'server' : 'servers'}`;

export class OperationsService {
  private readonly store: OperationStore;
  private readonly active = new Map<string, ActiveRun>();
  private stopRetentionTimer: (() => void) | null = null;

  constructor(private readonly deps: OperationsDeps) {
    this.store = new OperationStore(deps.data);
  }

  /**
   * Runs a previous process left running (a crash, kill -9): once their job is marked interrupted
   * (JobService.recoverInterrupted, first), their unfinished targets are marked failed. A run
   * whose job another live process still runs is left alone. How many it ended.
   */
  async recoverInterrupted(): Promise<number> {
    let ended = 0;
    for (const run of await this.store.openRuns()) {
      const job = await this.deps.jobs.get(run.jobId).catch(() => null);
      if (job && !isFinished(job)) continue;
      await this.deps.data.transaction(() => this.store.interrupt(run.id, this.deps.clock.now()));
      ended += 1;
    }
    return ended;
  }

  /** The servers a selector matches, in name order; refuses a selector that matches none, or names a server that does not exist. */
  async resolve(selector: TargetSelector): Promise<Server[]> {
    const all = await this.deps.servers.all({});
    const missing = selector.serverIds.filter((id) => !all.some((server) => server.id === id));
    if (missing.length > 0) {
      throw new AppError('NOT_FOUND', `There is no server ${missing.join(', ')}.`, {
        hint: 'List servers to see their ids; a deleted server cannot be run on.',
      });
    }
    const matched = all.filter((server) => selects(selector, server));
    if (matched.length === 0) {
      throw new AppError('VALIDATION_FAILED', 'The selector matches no server.', {
        hint: 'Check the tags and environments (servers.facets lists those in use).',
        issues: [{ path: ['targets'], message: 'Matches no server' }],
      });
    }
    return matched;
  }

  /** An ad-hoc command: records the run and its targets in the caller's transaction and starts its job once it commits. */
  async start(input: OperationRunRequest, principal: Principal, origin: string): Promise<OperationRunWithTargets & { job: Job }> {
    const servers = await this.resolve(input.targets);
    return this.launch(
      { ...input, selector: input.targets, servers, sudo: false, runbook: null, params: NO_PARAMS, rerunOf: null, file: null },
      principal,
      origin,
    );
  }

  /**
   * A file pushed over SFTP (push.ts), as a run: its content given (base64) or a vault note's text,
   * read per target through SecretStore.use() for that server, so a note goes only to the servers it
   * is linked to. The content is kept in memory for the run and never stored.
   */
  async push(input: OperationPushRequest, principal: Principal, origin: string): Promise<OperationRunWithTargets & { job: Job }> {
    const servers = await this.resolve(input.targets);
    let content: Buffer | null = null;
    let secretId: string | null = null;
    if (input.content !== undefined) content = Buffer.from(input.content, 'base64');
    else {
      const secret = (await this.deps.secrets.list({})).find((each) => each.id === input.secretId);
      if (!secret)
        throw new AppError('NOT_FOUND', `There is no secret ${input.secretId}.`, { hint: 'List the vault’s secrets (secrets.list) to see their ids.' });
      if (secret.kind !== 'note') {
        throw validationError([
          {
            path: ['secretId'],
            message: `"${secret.name}" is ${secret.kind === 'api_token' ? 'an API token' : `a ${secret.kind.replace('_', ' ')}`}; a file is kept in the vault as a note`,
          },
        ]);
      }
      secretId = secret.id;
    }
    const record: PushedFile = {
      path: input.path,
      mode: input.mode.padStart(4, '0'),
      owner: input.owner ?? null,
      size: content?.length ?? null,
      sha256: content ? createHash('sha256').update(content).digest('hex') : null,
      noteId: secretId,
    };
    const { concurrency, timeoutSeconds, rolling } = input;
    return this.launch(
      {
        command: describePush(record),
        selector: input.targets,
        servers,
        concurrency,
        timeoutSeconds,
        rolling,
        sudo: false,
        runbook: null,
        params: NO_PARAMS,
        rerunOf: null,
        file: { record, content },
      },
      principal,
      origin,
    );
  }

  /** Refuses a runbook the principal's role may not run (its `runnableBy`), and one archived. */
  private assertMayRun(runbook: { name: string; runnableBy: 'operator' | 'admin'; archivedAt?: number | null }, principal: Principal): void {
    if (!RUNBOOK_RUNNER_ROLES[runbook.runnableBy].includes(principal.role)) {
      throw new AppError('PERMISSION_DENIED', `Runbook "${runbook.name}" is run by admins and owners only; your role (${principal.role}) may not run it.`, {
        hint: 'Ask an admin to run it, or to open it to operators (runnableBy: operator).',
      });
    }
    if (runbook.archivedAt) {
      throw new AppError('CONFLICT', `Runbook "${runbook.name}" is archived and does not run.`, { hint: 'Updating it (runbooks.update) restores it.' });
    }
  }

  /** A dangerous runbook runs only when the runner typed how many servers it will hit. */
  private assertConfirmed(runbook: { name: string; dangerous: boolean }, servers: readonly Server[], confirm: number | undefined): void {
    if (!runbook.dangerous || confirm === servers.length) return;
    throw new AppError(
      'VALIDATION_FAILED',
      `Runbook "${runbook.name}" is marked dangerous and would run on ${plural(servers.length)}: confirm with ${servers.length}.`,
      {
        hint: `Check the servers it would hit, then give confirm: ${servers.length} (guardian runbook run … --confirm ${servers.length}).`,
        issues: [
          { path: ['confirm'], message: confirm === undefined ? `Type ${servers.length} to confirm` : `It would run on ${servers.length}, not ${confirm}` },
        ],
      },
    );
  }

  /** A runbook's current version, its parameters checked, on the servers named or its default targets. */
  async runRunbook(input: RunbookRunRequest, principal: Principal, origin: string): Promise<OperationRunWithTargets & { job: Job }> {
    const runbook = await this.deps.runbooks.get(input.id);
    this.assertMayRun(runbook, principal);
    const selector = input.targets ?? runbook.defaultTargets;
    if (!selector) {
      throw new AppError('VALIDATION_FAILED', `Runbook "${runbook.name}" has no default targets: name where it runs.`, {
        hint: 'Give targets (servers, tags or environments), or --on in the CLI.',
        issues: [{ path: ['targets'], message: 'Name at least one server, tag or environment to run on' }],
      });
    }
    const params = resolveParams(runbook.params, input.params);
    const servers = await this.resolve(selector);
    this.assertConfirmed(runbook, servers, input.confirm);
    const { id, name, version } = runbook;
    return this.launch(
      {
        ...runbook,
        command: runbook.script,
        selector,
        servers,
        runbook: { id, name, version, params: runbook.params },
        params,
        rerunOf: null,
        file: null,
        // Left out: the runbook's own; null: none for this run.
        rolling: input.rolling === undefined ? runbook.rolling : input.rolling,
      },
      principal,
      origin,
    );
  }

  /**
   * Runs again what a finished run ran, on all its targets or those that did not succeed: the same
   * command, or the same runbook version and parameters. Secret parameters are not kept, so they
   * must be given again; nothing else may be.
   */
  async rerun(
    input: { id: string; only: 'all' | 'failed'; params: ParamValues; confirm?: number | undefined },
    principal: Principal,
    origin: string,
  ): Promise<OperationRunWithTargets & { job: Job }> {
    const previous = await this.get(input.id);
    if (previous.file) {
      throw new AppError('CONFLICT', `Run ${previous.id} pushed ${previous.file.path}, and Guardian did not keep the file it pushed.`, {
        hint: 'Push it again (operations.push, guardian push).',
      });
    }
    if (previous.status === 'running') {
      throw new AppError('CONFLICT', `Run ${previous.id} is still running.`, { hint: 'Wait for it to end, or cancel it, then re-run it.' });
    }
    const again = input.only === 'all' ? previous.targets : previous.targets.filter((target) => target.state !== 'succeeded');
    if (again.length === 0) {
      throw new AppError('VALIDATION_FAILED', `Every target of run ${previous.id} succeeded: there is nothing to re-run.`, {
        hint: 'Re-run all its targets (only: all), or none.',
        issues: [{ path: ['only'], message: 'No target failed' }],
      });
    }
    const selector = { serverIds: again.map((target) => target.serverId), tags: [], environments: [] };
    // The same batches as asked (a percentage is of the re-run's own targets) and the same threshold.
    const rolling = previous.rolling && { batchSize: previous.rolling.batchSize, maxFailPercent: previous.rolling.maxFailPercent };
    const base = { selector, concurrency: previous.concurrency, timeoutSeconds: previous.timeoutSeconds, rerunOf: previous.id, rolling, file: null };
    if (!previous.runbook) {
      if (!principalAllows(principal, 'operations:run')) {
        throw new AppError(
          'PERMISSION_DENIED',
          `Run ${previous.id} was an ad-hoc command, which only admins and owners run; your role (${principal.role}) may not.`,
          {
            hint: 'It needs the "operations:run" permission; an operator runs runbooks open to operators.',
          },
        );
      }
      if (Object.keys(input.params).length > 0) {
        throw validationError(Object.keys(input.params).map((name) => ({ path: ['params', name], message: 'An ad-hoc command has no parameters' })));
      }
      const servers = await this.resolve(selector);
      return this.launch({ ...base, command: previous.command, servers, sudo: false, runbook: null, params: NO_PARAMS }, principal, origin);
    }
    const { id, version } = previous.runbook;
    const current = await this.deps.runbooks.get(id);
    const spec = await this.deps.runbooks.version(id, version);
    this.assertMayRun({ ...spec, archivedAt: current.archivedAt }, principal);
    const secrets = secretNames(spec.params);
    const issues = [
      ...Object.keys(input.params)
        .filter((name) => !secrets.includes(name))
        .map((name) => ({ path: ['params', name], message: 'Only secret parameters are given again; the others are the run’s own' })),
      ...secrets
        .filter((name) => name in previous.params && input.params[name] === undefined)
        .map((name) => ({ path: ['params', name], message: 'Secret: Guardian did not keep it; give it again' })),
    ];
    if (issues.length > 0) throw validationError(issues);
    const kept = Object.fromEntries(Object.entries(previous.params).filter(([name, value]) => !(secrets.includes(name) && value === REDACTED)));
    const params = resolveParams(spec.params, { ...kept, ...input.params });
    const servers = await this.resolve(selector);
    this.assertConfirmed(spec, servers, input.confirm);
    return this.launch(
      { ...base, command: spec.script, servers, sudo: spec.sudo, runbook: { id, name: spec.name, version, params: spec.params }, params },
      principal,
      origin,
    );
  }

  /** Records the run and its targets in the caller's transaction and starts its job once it commits. */
  private async launch(plan: RunPlan, principal: Principal, origin: string): Promise<OperationRunWithTargets & { job: Job }> {
    const { clock, newId } = this.deps;
    const { servers } = plan;
    const id = newId();
    const createdBy = actorName(principal);
    const run: ActiveRun = { controller: new AbortController(), targets: new Map(), cancelled: new Set(), principal, origin };
    const what = plan.runbook ? `runbook “${plan.runbook.name}” (version ${plan.runbook.version})` : `“${plan.command.slice(0, 60)}”`;
    const title = plan.file ? `Push ${plan.file.record.path.slice(-80)} to ${plural(servers.length)}` : `Run ${what} on ${plural(servers.length)}`;
    const job = await this.deps.jobs.start({ kind: 'operations.run', title, total: servers.length, createdBy }, (ctx) => this.execute(id, plan, run, ctx));
    const targets = servers.map((server) => ({
      serverId: server.id,
      serverName: server.name,
      address: hostPort(server.host, server.port),
      state: 'queued' as const,
      message: null,
    }));
    const row = {
      id,
      jobId: job.id,
      command: plan.command,
      selector: plan.selector,
      concurrency: plan.concurrency,
      timeoutSeconds: plan.timeoutSeconds,
      status: 'running' as const,
      createdBy,
      createdAt: clock.now(),
      finishedAt: null,
      runbook: plan.runbook && { id: plan.runbook.id, name: plan.runbook.name, version: plan.runbook.version },
      params: plan.params.recorded,
      sudo: plan.sudo,
      rerunOf: plan.rerunOf,
      rolling: plan.rolling && rollingRecord(plan.rolling, servers.length),
      stopReason: null,
      file: plan.file?.record ?? null,
    };
    await this.store.createRun(row, targets);
    await this.deps.audit.append([
      {
        actor: principal,
        origin,
        action: 'operation.requested',
        target: `operation:${id}`,
        outcome: 'ok',
        correlationId: id,
        details: {
          command: plan.command,
          ...(plan.runbook && { runbook: row.runbook, params: plan.params.recorded, sudo: plan.sudo }),
          ...(plan.rerunOf && { rerunOf: plan.rerunOf }),
          ...(row.rolling && { rolling: row.rolling }),
          ...(row.file && { file: row.file }),
          targets: targets.map(({ serverId, serverName, address }) => ({ serverId, serverName, address })),
        },
      },
    ]);
    // Known here once the run is stored: a call that rolls back leaves no run to cancel.
    this.deps.data.afterCommit(() => this.active.set(id, run));
    return { ...(await this.get(id)), job };
  }

  async get(id: string): Promise<OperationRunWithTargets> {
    const run = await this.store.getRun(id);
    if (!run) throw new AppError('NOT_FOUND', `There is no run ${id}.`, { hint: 'List runs (operations.runs) to see their ids.' });
    const targets = await this.store.targets(id);
    return { ...run, counts: countsOf(targets), targets };
  }

  async runs(limit: number, filter: OperationsRunsFilter = {}) {
    const rows = await this.store.listRuns(limit, filter);
    const states = await this.store.statesOf(rows.map((row) => row.id));
    return rows.map((row) => ({ ...row, counts: countsOf((states.get(row.id) ?? []).map((state) => ({ state }))) }));
  }

  async output(id: string, serverId: string) {
    const output = await this.store.output(id, serverId);
    if (!output) throw new AppError('NOT_FOUND', `Run ${id} has no target ${serverId}.`, { hint: 'operations.get lists a run’s targets.' });
    return output;
  }

  /** Which targets printed `text` (search.ts). */
  searchOutput(text: string, filter: SearchFilter, limit: number) {
    return searchOutput(this.store, text, filter, limit);
  }

  settings(): Promise<OperationsSettings> {
    return this.deps.settings.get(SETTINGS_KEY, OperationsSettings, { runRetentionDays: DEFAULT_RUN_RETENTION_DAYS });
  }

  async updateSettings(next: OperationsSettings): Promise<OperationsSettings> {
    await this.deps.settings.set(SETTINGS_KEY, next);
    return next;
  }

  /** Starts the retention job; `createdBy` is who asked (a schedule, or the timer `startRetention` sets). */
  async runRetention(createdBy = 'system:operations') {
    const { runRetentionDays } = await this.settings();
    return this.deps.jobs.start({ kind: 'operations.retention', title: 'Remove old operation runs', createdBy }, (job) =>
      pruneRuns({ db: this.deps.data, store: this.store, recordings: new TerminalStore(this.deps.data) }, runRetentionDays, this.deps.clock.now(), job),
    );
  }

  /** Prunes old runs a minute from now and every 6 hours after (serve, desktop; not the CLI). */
  startRetention(): void {
    this.stopRetentionTimer = repeatUnref(
      () => void this.runRetention().catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not start pruning operation runs')),
      RETENTION_FIRST_MS,
      RETENTION_EVERY_MS,
    );
  }

  stopRetention(): void {
    this.stopRetentionTimer?.();
    this.stopRetentionTimer = null;
  }

  /** Cancels a whole run, or one of its targets; CONFLICT when it has already ended. */
  async cancel(id: string, serverId?: string): Promise<OperationRunWithTargets> {
    const before = await this.get(id);
    const run = this.active.get(id);
    const target = serverId === undefined ? undefined : before.targets.find((each) => each.serverId === serverId);
    if (serverId !== undefined && !target)
      throw new AppError('NOT_FOUND', `Run ${id} has no target ${serverId}.`, { hint: 'operations.get lists a run’s targets.' });
    const ended = !run || before.status !== 'running' || (target !== undefined && FINAL_TARGET_STATES.includes(target.state));
    if (ended) {
      throw new AppError('CONFLICT', `${target ? `Target ${target.serverName} of run ${id}` : `Run ${id}`} has already ended.`, {
        hint: 'Only a queued or running run or target can be cancelled.',
      });
    }
    if (serverId === undefined) run.controller.abort();
    else {
      run.cancelled.add(serverId);
      run.targets.get(serverId)?.abort();
    }
    return before;
  }

  /** Waits for a run to end (for the CLI and tests). */
  async waitFor(id: string): Promise<OperationRunWithTargets> {
    const run = await this.get(id);
    await this.deps.jobs.waitFor(run.jobId);
    return this.get(id);
  }

  /**
   * Runs the targets, all as one batch, or for a rolling run batch after batch in the order the run
   * lists them (operations.get, which the page counts batches by); once a batch ends past the
   * failure threshold, the targets after it are skipped, saying why.
   */
  private async execute(id: string, plan: RunPlan, run: ActiveRun, job: JobContext) {
    const live = new LiveOutput(id, this.deps.events, this.deps.flushMs ?? FLUSH_MS);
    // A cancel through jobs.cancel (or shutdown) is a cancel of the whole run.
    const onJobAbort = () => run.controller.abort();
    job.signal.addEventListener('abort', onJobAbort, { once: true });
    const byId = new Map(plan.servers.map((server) => [server.id, server]));
    const servers = (await this.store.targets(id)).flatMap((target) => byId.get(target.serverId) ?? []);
    const total = servers.length;
    const perBatch = plan.rolling ? perBatchOf(plan.rolling.batchSize, total) : Math.max(total, 1);
    const batches = Math.ceil(total / perBatch);
    let done = 0;
    let failed = 0;
    const ended = (state: TargetState) => {
      if (state === 'failed' || state === 'timed-out') failed += 1;
      job.progress(++done, total);
    };
    /** Set once a batch ends past the threshold: after which batch, and why. */
    let stop: { batch: number; reason: string } | null = null;
    try {
      for (let batch = 1; batch <= batches; batch++) {
        const members = servers.slice((batch - 1) * perBatch, batch * perBatch);
        if (stop) {
          for (const server of members) ended(await this.runTarget(id, plan, server, run, live, `Not run: ${stop.reason}`, batch));
          continue;
        }
        await this.runBatch(id, plan, members, run, live, ended, plan.rolling ? batch : null);
        if (plan.rolling && batch < batches && pastThreshold(failed, total, plan.rolling.maxFailPercent)) {
          stop = { batch, reason: thresholdReason({ failed, total, maxFailPercent: plan.rolling.maxFailPercent, batch, batches }) };
        }
      }
    } finally {
      live.flush();
      job.signal.removeEventListener('abort', onJobAbort);
      this.active.delete(id);
    }
    const cancelled = run.controller.signal.aborted;
    const stopReason = stop && `Stopped at the failure threshold: ${stop.reason}; ${total - stop.batch * perBatch} not run`;
    await this.store.endRun(id, cancelled ? 'cancelled' : 'finished', this.deps.clock.now(), stopReason);
    const result = await this.get(id);
    // How the run ended, when it ended early: stopped at its threshold, cancelled (or both).
    const ends: { action: string; outcome: string; details: Record<string, unknown> }[] = [];
    if (stop) {
      const details = { reason: stopReason, afterBatch: stop.batch, batches, maxFailPercent: plan.rolling?.maxFailPercent, counts: result.counts };
      ends.push({ action: 'operation.stopped', outcome: 'FAILURE_THRESHOLD', details });
    }
    if (cancelled) ends.push({ action: 'operation.cancelled', outcome: 'ok', details: { counts: result.counts } });
    if (ends.length > 0) {
      await this.deps.audit.append(ends.map((end) => ({ ...end, actor: run.principal, origin: run.origin, target: `operation:${id}`, correlationId: id })));
    }
    return { runId: id, counts: result.counts, stopReason };
  }

  /** Runs these targets at most `concurrency` at a time and one connection per host: a host's targets one after another, hosts side by side. */
  private async runBatch(
    id: string,
    plan: RunPlan,
    servers: readonly Server[],
    run: ActiveRun,
    live: LiveOutput,
    ended: (state: TargetState) => void,
    batch: number | null,
  ) {
    const byHost = new Map<string, Server[]>();
    for (const server of servers) {
      const key = server.host.toLowerCase();
      byHost.set(key, [...(byHost.get(key) ?? []), server]);
    }
    const queue = [...byHost.values()];
    const worker = async () => {
      for (let group = queue.shift(); group; group = queue.shift()) {
        for (const server of group) ended(await this.runTarget(id, plan, server, run, live, null, batch));
      }
    };
    await Promise.all(Array.from({ length: Math.min(plan.concurrency, queue.length) }, worker));
  }

  private announce(runId: string, target: OperationTarget): void {
    this.deps.events.emit('operation.target', { runId, ...target });
  }

  /** Runs one target, or skips it saying why (`notRun`), and records and announces how it ended; `batch` is its batch in a rolling run (1-based). */
  private async runTarget(
    runId: string,
    plan: RunPlan,
    server: Server,
    run: ActiveRun,
    live: LiveOutput,
    notRun: string | null,
    batch: number | null,
  ): Promise<TargetState> {
    const { clock } = this.deps;
    const address = hostPort(server.host, server.port);
    const base = { serverId: server.id, serverName: server.name, address };
    const output = new TargetOutput(
      OUTPUT_CAP_BYTES,
      clock.now,
      { room: () => live.room(server.id), add: (chunk) => live.add(server.id, chunk), skip: (bytes) => live.skip(server.id, bytes) },
      plan.params.secrets,
    );
    const env = plan.runbook ? envFor(plan.runbook.params, plan.params.values, server) : {};
    const controller = new AbortController();
    run.targets.set(server.id, controller);
    const stop = () => controller.abort();
    run.controller.signal.addEventListener('abort', stop, { once: true });
    let startedAt: number | null = null;
    const via: string[] = [];
    const setState = async (state: TargetState) => {
      startedAt ??= clock.now();
      await this.store.setState(runId, server.id, state, startedAt);
      this.announce(runId, {
        ...base,
        state,
        exitCode: null,
        message: null,
        startedAt,
        finishedAt: null,
        durationMs: null,
        outputBytes: output.bytes,
        truncated: false,
        outputSha256: null,
      });
    };

    let end: { state: TargetState; exitCode: number | null; message: string | null; mismatch?: Mismatch };
    try {
      if (run.controller.signal.aborted || run.cancelled.has(server.id)) {
        end = { state: 'cancelled', exitCode: null, message: 'cancelled before it started' };
      } else if (notRun !== null) {
        end = { state: 'skipped', exitCode: null, message: notRun };
      } else if (typeof env === 'string') {
        end = { state: 'skipped', exitCode: null, message: env };
      } else {
        await setState('connecting');
        end = await this.connectAndRun(runId, { ...plan, env }, server, output, controller.signal, () => setState('running'), via);
      }
    } catch (error) {
      this.deps.logger.error({ err: error, runId, serverId: server.id }, 'an operation target failed unexpectedly');
      end = { state: 'failed', exitCode: null, message: 'Guardian failed unexpectedly on this target (see its log)' };
    } finally {
      run.controller.signal.removeEventListener('abort', stop);
      run.targets.delete(server.id);
    }
    const finishedAt = clock.now();
    const printed = output.finish();
    const ran = startedAt !== null;
    const target: OperationTarget = {
      ...base,
      state: end.state,
      exitCode: end.exitCode,
      message: end.message,
      startedAt,
      finishedAt,
      durationMs: startedAt === null ? null : finishedAt - startedAt,
      outputBytes: printed.outputBytes,
      truncated: printed.truncated,
      outputSha256: ran ? printed.sha256 : null,
    };
    await this.store.endTarget(runId, server.id, { ...target, finishedAt, output: printed.output });
    const entries: AuditEntry[] = [
      {
        actor: run.principal,
        origin: run.origin,
        action: 'operation.target',
        target: `operation:${runId}/server:${server.id}`,
        outcome: end.state === 'succeeded' ? 'ok' : end.state.toUpperCase().replace('-', '_'),
        correlationId: runId,
        details: {
          server: server.name,
          address,
          state: end.state,
          exitCode: end.exitCode,
          message: end.message,
          outputBytes: printed.outputBytes,
          outputSha256: target.outputSha256,
          ...(batch !== null ? { batch } : {}),
          // The way it was reached, when not directly: an auditor sees which jump hosts carried it.
          ...(via.length > 0 ? { via } : {}),
        },
      },
    ];
    if (end.mismatch) {
      entries.push({
        actor: SYSTEM,
        origin: 'system',
        action: 'operation.hostKeyRefused',
        target: `server:${end.mismatch.serverId ?? server.id}`,
        outcome: 'HOST_KEY_MISMATCH',
        correlationId: runId,
        details: {
          address: end.mismatch.address ?? address,
          expected: end.mismatch.expected,
          actual: end.mismatch.actual,
          ...(end.mismatch.jumpFor ? { jumpHostFor: end.mismatch.jumpFor } : {}),
        },
      });
    }
    await this.deps.audit.append(entries);
    // Its output goes out before its end, so a follower (the CLI) has every line when it hears the target ended.
    live.flush();
    this.announce(runId, target);
    return end.state;
  }

  /** A push's bytes for this server: given, or its vault note's text read for this server alone; or why not, in words. */
  private async fileContent(file: FilePlan, server: Server, usedBy: string): Promise<Buffer | string> {
    if (file.content) return file.content;
    if (file.record.noteId === null) throw new Error('a push with neither content nor a secret');
    try {
      // No principal: the note's links decide, whoever asked (an owner may not send it elsewhere either).
      const used = await this.deps.secrets.use(file.record.noteId, { usedBy, serverId: server.id, host: server.host, purpose: 'connect' });
      if (used.value.kind !== 'note') return 'the file’s secret is no longer a note';
      return Buffer.from(used.value.text, 'utf8');
    } catch (error) {
      if (error instanceof AppError) return `the vault refused the file for ${server.name}: ${error.message}`;
      throw error;
    }
  }

  /** How a push's target ended, once its session is over; null when it never got to push (the connection's own answer says why). */
  private pushEnded(
    push: PushSpec,
    pushed: Awaited<ReturnType<typeof pushFile>> | null,
    stop: PushStop,
    signal: AbortSignal,
    started: boolean,
    timeoutSeconds: number,
    output: TargetOutput,
  ): { state: TargetState; exitCode: number | null; message: string } | { state: 'succeeded'; exitCode: null; message: null } | null {
    const removed = started ? '; the temporary file was removed' : '';
    // Renamed into place before a cancel or the timeout came: it is written, and says so.
    const written = pushed !== null && pushed !== 'stopped' && pushed.ok;
    if (!written && signal.aborted) {
      return { state: 'cancelled', exitCode: null, message: started ? `cancelled while pushing${removed}` : 'cancelled while connecting' };
    }
    if (!written && stop.timedOut) return { state: 'timed-out', exitCode: null, message: `timed out after ${timeoutSeconds} s${removed}` };
    if (pushed === null || pushed === 'stopped') return null;
    if (!pushed.ok) return { state: 'failed', exitCode: null, message: pushed.message };
    const mode = `mode ${(push.mode & 0o7777).toString(8).padStart(4, '0')}${push.owner ? `, owner ${push.owner}` : ''}`;
    // A secret file's hash is not said: a hash of a short secret can be guessed offline.
    const checked = push.secret ? 'its SHA-256 checked on the host' : `SHA-256 ${push.sha256} checked on the host`;
    output.add('stdout', Buffer.from(`wrote ${bytesText(push.content.length)} to ${push.path} (${mode}), ${checked}\n`));
    return { state: 'succeeded', exitCode: null, message: null };
  }

  private async connectAndRun(
    runId: string,
    input: { command: string; timeoutSeconds: number; env: Record<string, string>; sudo: boolean; file: FilePlan | null },
    server: Server,
    output: TargetOutput,
    signal: AbortSignal,
    running: () => Promise<void>,
    /** Filled with the jump hosts the connection went through, by name, for the record. */
    via: string[],
  ): Promise<{ state: TargetState; exitCode: number | null; message: string | null; mismatch?: Mismatch }> {
    const usedBy = `operation:${runId}`;
    let push: PushSpec | null = null;
    if (input.file) {
      const content = await this.fileContent(input.file, server, usedBy);
      if (typeof content === 'string') return { state: 'failed', exitCode: null, message: content };
      const { record } = input.file;
      const sha256 = createHash('sha256').update(content).digest('hex');
      push = { path: record.path, mode: Number.parseInt(record.mode, 8), owner: record.owner, content, sha256, secret: record.noteId !== null };
    }
    const login = await serverLogin(this.deps.secrets, server, usedBy);
    if (typeof login === 'string') return { state: 'failed', exitCode: null, message: login };
    // For a command (a push runs none). Asked for with no agent to forward: said, not run without it (the command may need it).
    const forwarding = server.agentForwarding && !push;
    const agent = forwarding ? (this.deps.agentSocket ?? (() => process.env.SSH_AUTH_SOCK))() : undefined;
    if (forwarding && !agent) return { state: 'failed', exitCode: null, message: noAgent(server) };
    const timeoutMs = input.timeoutSeconds * 1000;
    // A push stops itself on a cancel or its timeout, removing its temporary file before the session closes.
    const pushStop = push ? new PushStop(signal, timeoutMs) : null;
    const ctx: CheckContext = {
      signal: pushStop?.session.signal ?? signal,
      timeoutMs: pushStop ? timeoutMs + PUSH_CLEANUP_MS : timeoutMs,
      now: this.deps.clock.now,
      hostKeys: this.deps.hostKeys,
      allowMetadata: this.deps.allowMetadata(),
      ...(this.deps.sshKeepalive ? { sshKeepalive: this.deps.sshKeepalive } : {}),
      // To the target alone: a jump host never gets the agent.
      ...(agent ? { agentForward: agent } : {}),
      // Its jump hosts as they are now, each logging in with its own credential.
      jumps: async () => {
        if (server.jumpHostId === null) return [];
        const all = new Map((await this.deps.servers.all({})).map((each) => [each.id, each]));
        const route = await jumpRoute(server, (id) => all.get(id), this.deps.secrets, usedBy);
        if (typeof route !== 'string') via.push(...route.map((hop) => hop.name));
        return route;
      },
    };
    let started = false;
    let pushed: Awaited<ReturnType<typeof pushFile>> | null = null;
    let result: CheckResult;
    try {
      result = await withSshSession(server.host, server.port, ctx, login, async (session) => {
        started = true;
        await running();
        if (push && pushStop) {
          const file = push;
          pushed = await pushStop.during((stop) => pushFile(session.client, file, stop));
          return { status: 'up', latencyMs: null, message: '' };
        }
        const outcome = await execute(session.client, input.command, output, { env: input.env, sudo: input.sudo }).catch((error: unknown) => {
          // sshd said no to forwarding the agent (AllowAgentForwarding no): ssh2 closes the channel before the command starts.
          if (agent && error instanceof Error && /agent forwarding/i.test(error.message)) return agentRefused(server);
          throw error;
        });
        if (typeof outcome === 'string') return { status: 'down', latencyMs: null, message: outcome };
        return { status: outcome.exitCode === 0 ? 'up' : 'down', latencyMs: null, message: '', data: { ran: true, ...outcome } };
      });
    } finally {
      pushStop?.dispose();
    }
    if (push && pushStop) {
      const ended = this.pushEnded(push, pushed, pushStop, signal, started, input.timeoutSeconds, output);
      if (ended) return ended;
    }
    const data = result.data ?? {};
    if (data.ran === true && !signal.aborted) {
      const exitCode = typeof data.exitCode === 'number' ? data.exitCode : null;
      if (exitCode === 0) return { state: 'succeeded', exitCode, message: null };
      const refusal = input.sudo ? sudoRefusal(exitCode, output.head('stderr'), server, login.username) : null;
      if (refusal) return { state: 'failed', exitCode, message: refusal };
      return { state: 'failed', exitCode, message: exitCode === null ? `ended by signal ${String(data.signal ?? 'unknown')}` : `exited with ${exitCode}` };
    }
    if (signal.aborted)
      return {
        state: 'cancelled',
        exitCode: null,
        message: started ? 'cancelled while running; the remote command was stopped' : 'cancelled while connecting',
      };
    if (data.code === 'HOST_KEY_MISMATCH') {
      const expected = String(data.expected);
      const actual = String(data.actual);
      // A jump host on the way is refused and audited as the target would be, under its own server.
      const jump = data.jumpHost as { serverId: string; name: string; address: string } | undefined;
      const where = jump ? `jump host ${jump.name} (${jump.address})` : hostPort(server.host, server.port);
      return {
        state: 'failed',
        exitCode: null,
        message: `host key changed on ${where}: pinned ${expected}, offered ${actual}; refused`,
        mismatch: { expected, actual, ...(jump ? { serverId: jump.serverId, address: jump.address, jumpFor: server.name } : {}) },
      };
    }
    if (result.message.startsWith('no answer from')) {
      // Still on the way: which jump host did not answer.
      const hop = /^no answer from (jump host .*) within/.exec(result.message)?.[1];
      return { state: 'timed-out', exitCode: null, message: `timed out after ${input.timeoutSeconds} s${hop ? ` waiting for ${hop}` : ''}` };
    }
    return { state: 'failed', exitCode: null, message: result.message };
  }
}

/** A server whose agent forwarding is on, with no agent in Guardian's environment to forward. */
function noAgent(server: Pick<Server, 'name'>): string {
  return `agent forwarding is on for ${server.name}, but Guardian has no SSH agent to forward (SSH_AUTH_SOCK is not set where Guardian runs): start Guardian with an agent (ssh-agent, SSH_AUTH_SOCK in its environment), or turn the server’s agent forwarding off`;
}

/** sshd refused to forward the agent. */
function agentRefused(server: Pick<Server, 'name'>): string {
  return `${server.name} refused agent forwarding (its sshd has AllowAgentForwarding no, or the key’s authorized_keys line says no-agent-forwarding); the command did not run`;
}

/** Bytes in words: "1,048,576 bytes". */
const bytesText = (bytes: number) => `${bytes.toLocaleString('en-US')} ${bytes === 1 ? 'byte' : 'bytes'}`;

/**
 * Why sudo itself refused, in words, from its exit code and the start of stderr: `sudo -n` fails
 * (exit 1) rather than ask for a password; a shell without sudo says it is not found (127).
 */
export function sudoRefusal(exitCode: number | null, stderr: string, server: Pick<Server, 'name'>, username: string): string | null {
  if (exitCode === 1 && /^sudo: .*(password is required|a terminal is required)/m.test(stderr)) {
    return `sudo asked for a password on ${server.name}: Guardian runs sudo -n, which never prompts; let ${username} run sudo without a password (NOPASSWD in sudoers), or turn the runbook’s sudo off`;
  }
  if (exitCode === 127 && /sudo: (command )?not found|sudo: No such file/.test(stderr)) return `sudo is not installed on ${server.name}`;
  return null;
}
