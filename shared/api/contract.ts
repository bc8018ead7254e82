import { z } from 'zod';
import { isAudience, principalAllows, type Access, type Audience, type Permission, type Principal } from '../permissions';

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** How a call is written to the audit log. `false`: reads, which are not audited. */
export type AuditSpec<I, O> =
  | false
  | {
      /** What the call acted on, e.g. `server:<id>`. */
      target: (input: I, output: O | undefined) => string | undefined;
      /**
       * What of the input the event keeps, when not all of it (before the usual redaction): for
       * values whose secrecy the input alone does not say, such as a runbook's parameters. Given
       * the raw input too, when it failed validation.
       */
      details?: (input: unknown) => unknown;
    };

export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  name: string;
  summary: string;
  input: I;
  output: O;
  permission: Access;
  audit: AuditSpec<z.output<I>, z.output<O>>;
  /** REST route under /api/v1. `:param` segments are taken from the input. */
  http: { method: HttpVerb; path: string };
}

export function method<I extends z.ZodType, O extends z.ZodType>(def: MethodDef<I, O>): MethodDef<I, O> {
  return def;
}

export interface EventDef<P extends z.ZodType = z.ZodType> {
  name: string;
  summary: string;
  payload: P;
  /** Who may receive it. */
  permission: Permission;
  /**
   * Only for the one caller it is emitted to (EventBus.emit's audience), never to everyone
   * holding the permission: a terminal's output. Without an audience it reaches nobody.
   */
  addressed?: true;
}

export function event<P extends z.ZodType>(def: EventDef<P>): EventDef<P> {
  return def;
}

/**
 * A domain's change event: the kind of change and the ids it touched, never the data (which may
 * hold more than some receivers may read, or a secret). A window that hears it reads again what
 * it shows (docs/architecture.md §3).
 */
export function changeEvent<const C extends readonly [string, ...string[]]>(def: { name: string; summary: string; changes: C; permission: Permission }) {
  return event({
    name: def.name,
    summary: def.summary,
    payload: z.object({ change: z.enum(def.changes), ids: z.array(z.string()) }),
    permission: def.permission,
  });
}

export type InputOf<M> = M extends MethodDef<infer I, z.ZodType> ? z.input<I> : never;
export type ParsedInputOf<M> = M extends MethodDef<infer I, z.ZodType> ? z.output<I> : never;
export type OutputOf<M> = M extends MethodDef<z.ZodType, infer O> ? z.output<O> : never;
export type PayloadOf<E> = E extends EventDef<infer P> ? z.output<P> : never;

/** `/servers/:id` → `['id']` */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z][A-Za-z0-9]*)/g)].map((match) => match[1] ?? '');
}

// Query strings carry only text; these accept both the text form and the typed form, so a
// GET method's schema is the same for HTTP, IPC and the CLI.
export const queryInt = (min: number, max: number) =>
  z.preprocess((value) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value), z.number().int().min(min).max(max));

export const queryList = <T extends z.ZodType>(item: T, max: number) =>
  z.preprocess((value) => (typeof value === 'string' ? value.split(',').filter(Boolean) : value), z.array(item).max(max));

/** Whether `principal` may hear one event: the event's permission, and, for an addressed event, being the one it was emitted to. */
export function mayHear(principal: Principal, def: EventDef, audience: Audience | undefined): boolean {
  if (!principalAllows(principal, def.permission)) return false;
  return def.addressed ? audience !== undefined && isAudience(principal, audience) : true;
}
