import { randomUUID } from 'node:crypto';
import {
  AppError,
  isMethodName,
  methods,
  validationError,
  zodIssues,
  type AppErrorShape,
  type MethodDef,
  type MethodName,
  type Methods,
  type OutputOf,
  type ParsedInputOf,
} from '@shared/api';
import { principalAllows, type Principal } from '@shared/permissions';
import type { AuditStore } from '../audit/store';
import { notSignedIn } from '../auth/refusals';
import type { SessionSink } from '../auth/signin';
import type { AsyncDatabase } from '../db/engine';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/registry';
import { toAppError } from './errors';

export interface CallContext {
  /** Null only for `public` methods called without credentials. */
  principal: Principal | null;
  /** Where the call came from: `ipc`, `cli`, `http:127.0.0.1`, `system`. */
  origin: string;
  correlationId: string;
  /** The client software, as the transport reports it (HTTP User-Agent, `Guardian desktop`). */
  userAgent: string;
  /** Present on transports that can hold a session (HTTP cookie, desktop window). */
  session: SessionSink | undefined;
}

export type Handler<M> = (input: ParsedInputOf<M>, ctx: CallContext) => OutputOf<M> | Promise<OutputOf<M>>;
export type Handlers = { [K in MethodName]: Handler<Methods[K]> };

export type CallResult<O = unknown> = { ok: true; value: O } | { ok: false; error: AppErrorShape };

export interface CallOptions {
  origin: string;
  correlationId?: string;
  userAgent?: string;
  session?: SessionSink;
}

/** What a user who must change their password may still do, besides the public methods (auth.status, auth.checkPassword, …). */
const ALLOWED_BEFORE_PASSWORD_CHANGE: ReadonlySet<string> = new Set(['auth.me', 'auth.logout', 'auth.changePassword']);

export interface RouterDeps {
  handlers: Handlers;
  /** Where an audited call's transaction runs; its audit event joins it. */
  data: Pick<AsyncDatabase, 'transaction' | 'transactionFromFirstWrite' | 'next'>;
  audit: Pick<AuditStore, 'append'>;
  logger: Logger;
  metrics: Metrics;
}

/**
 * contract → validate → authorize → service → audit → result, done once for every transport.
 * An audited method's handler runs in one transaction with its audit event, awaits included, so
 * no change is ever committed without its record; a call that fails leaves nothing behind but the
 * event saying so. Work a handler starts and does not await (a job) runs after the commit, in
 * transactions of its own (docs/architecture.md §4).
 */
export class Router {
  constructor(private readonly deps: RouterDeps) {}

  /** Typed entry point for in-process callers (CLI, tests, benchmarks). Throws the AppError. */
  async invoke<N extends MethodName>(principal: Principal | null, name: N, input: unknown, options: CallOptions): Promise<OutputOf<Methods[N]>> {
    const result = await this.call(principal, name, input, options);
    if (!result.ok) throw AppError.fromShape(result.error);
    return result.value as OutputOf<Methods[N]>;
  }

  async call(principal: Principal | null, name: string, rawInput: unknown, options: CallOptions): Promise<CallResult> {
    const correlationId = options.correlationId ?? randomUUID();
    const started = process.hrtime.bigint();
    const ctx: CallContext = {
      principal,
      origin: options.origin,
      correlationId,
      userAgent: options.userAgent ?? '',
      session: options.session,
    };
    let outcome = 'ok';
    try {
      if (!isMethodName(name)) {
        throw new AppError('METHOD_NOT_FOUND', `There is no method called "${String(name).slice(0, 100)}".`, {
          hint: 'See /api/v1/openapi.json for the methods Guardian offers.',
        });
      }
      const def: MethodDef = methods[name];
      const value = await this.run(def, name, rawInput, ctx);
      return { ok: true, value };
    } catch (cause) {
      const error = toAppError(cause);
      outcome = error.code;
      if (error.code === 'INTERNAL') {
        this.deps.logger.error({ err: cause, method: name, correlationId }, 'call failed unexpectedly');
      } else {
        this.deps.logger.debug({ method: name, code: error.code, correlationId }, 'call refused');
      }
      return { ok: false, error: error.toShape(correlationId) };
    } finally {
      const label = isMethodName(name) ? name : 'unknown';
      this.deps.metrics.apiCalls.inc({ method: label, outcome });
      this.deps.metrics.apiCallDuration.observe({ method: label }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** Why this principal may not call this method, or null when it may. */
  private refusal(def: MethodDef, name: MethodName, principal: Principal | null): AppError | null {
    if (def.permission === 'public') return null;
    if (!principal) {
      return notSignedIn();
    }
    if (principal.mustChangePassword && !ALLOWED_BEFORE_PASSWORD_CHANGE.has(name)) {
      return new AppError('PASSWORD_CHANGE_REQUIRED', 'Your password must be changed before anything else.', {
        hint: 'Choose a new password (auth.changePassword).',
      });
    }
    if (def.permission === 'authenticated' || principalAllows(principal, def.permission)) return null;
    return new AppError('PERMISSION_DENIED', `Your role (${principal.role}) may not call ${name}.`, {
      hint: `It needs the "${def.permission}" permission; ask an owner or admin.`,
    });
  }

  private async run(def: MethodDef, name: MethodName, rawInput: unknown, ctx: CallContext): Promise<unknown> {
    /** The call's audit event. */
    const event = (spec: AuditSpec, outcome: string, input: unknown, output: unknown) => ({
      actor: ctx.principal,
      origin: ctx.origin,
      action: name,
      target: safeTarget(spec, input, output),
      outcome,
      correlationId: ctx.correlationId,
      details: safeDetails(spec, input),
    });
    const { data, audit } = this.deps;
    /** Writes the call's audit event; methods marked `audit: false` (reads) have none, whatever the outcome. */
    const record = async (outcome: string, input: unknown, output: unknown): Promise<void> => {
      if (def.audit === false) return;
      await audit.append([event(def.audit, outcome, input, output)]);
    };

    const refusal = this.refusal(def, name, ctx.principal);
    if (refusal) {
      await record(refusal.code, undefined, undefined);
      throw refusal;
    }

    const parsed = def.input.safeParse(rawInput ?? {});
    if (!parsed.success) {
      const invalid = validationError(zodIssues(parsed.error));
      await record(invalid.code, rawInput, undefined);
      throw invalid;
    }
    const input = parsed.data;
    const handler = this.deps.handlers[name] as Handler<MethodDef>;

    const spec = def.audit;
    if (spec === false) return await handler(input, ctx);

    // A failed call's event is written in the turn right after its rollback, ahead of the writers
    // already waiting, so the log keeps the order in which calls held the database.
    let failure: Promise<void> | null = null;
    const transaction = beginsAtFirstWrite(handler) ? data.transactionFromFirstWrite : (work: () => Promise<unknown>) => data.transaction(work);
    try {
      return await transaction(async () => {
        let value: unknown;
        try {
          value = await handler(input, ctx);
        } catch (cause) {
          const what = event(spec, toAppError(cause).code, input, undefined);
          failure = data.next(() => audit.append([what])).then(() => undefined);
          throw cause;
        }
        await record('ok', input, value);
        return value;
      });
    } catch (cause) {
      await (failure ?? record(toAppError(cause).code, input, undefined));
      throw cause;
    }
  }
}

const FROM_FIRST_WRITE = Symbol('the transaction begins at the first write');

/**
 * Marks a handler whose slow part (hashing a password, opening the vault's key, waiting for a
 * dialog) comes before its writes, and whose writes all take their turn (the async stores,
 * `exclusive`): its transaction begins at its first write, so the slow part holds no other
 * writer up (docs/architecture.md §4). The rest of its promise holds: all its writes and its
 * audit event commit together, or none of them.
 */
export function fromFirstWrite<A extends unknown[], R>(handler: (...args: A) => R): (...args: A) => R {
  return Object.assign(handler, { [FROM_FIRST_WRITE]: true });
}

function beginsAtFirstWrite(handler: object): boolean {
  return FROM_FIRST_WRITE in handler;
}

/** How an audited method names what it aimed at. */
type AuditSpec = Exclude<MethodDef['audit'], false>;

/** What of an audited call's input its event keeps: all of it, unless the method says less; never a throw. */
function safeDetails(audit: AuditSpec, input: unknown): unknown {
  if (!audit.details || input === undefined) return input;
  try {
    return audit.details(input);
  } catch {
    return '[unreadable input]';
  }
}

/** What an audited call aimed at, for its event: none before the input is known, at most 200 characters. */
function safeTarget(audit: AuditSpec, input: unknown, output: unknown): string | undefined {
  if (input === undefined) return undefined;
  try {
    // On a validation failure the input is raw: keep whatever it names short, and survive a shape it did not expect.
    const target: unknown = audit.target(input, output);
    return typeof target === 'string' ? target.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}
