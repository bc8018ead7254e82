import { validationError, type ValidationIssue } from '@shared/api/errors';
import { REDACTED, type ParamValues } from '@shared/api/operations';
import { paramRefusal, type RunbookParam } from '@shared/api/runbooks';
import type { Server } from '@shared/api/servers';
import { hostPort } from '../health';

/**
 * A runbook's parameters at run time (docs/operations.md): the values given checked against each
 * parameter's type and bounds, defaults applied; what the record keeps (secrets redacted); and
 * each target's environment, server fields included.
 */

export interface ResolvedParams {
  /** Each given (or defaulted) parameter's value, typed; secret ones in clear, for the targets only. */
  values: Record<string, string | number>;
  /** What the run, its audit events and its answers keep: secret values as [redacted]. */
  recorded: Record<string, string | number>;
  /** The secret values, to mask wherever the output could carry them. */
  secrets: string[];
}

/** Checks `given` against `params`; VALIDATION_FAILED with one issue per parameter (path params.NAME) otherwise. */
export function resolveParams(params: readonly RunbookParam[], given: ParamValues): ResolvedParams {
  const issues: ValidationIssue[] = [];
  const issue = (name: string, message: string) => issues.push({ path: ['params', name], message });
  const byName = new Map(params.map((param) => [param.name, param]));
  for (const name of Object.keys(given)) {
    if (!byName.has(name)) issue(name, `The runbook has no parameter ${name}${params.length ? ` (it has ${params.map((each) => each.name).join(', ')})` : ''}`);
  }
  const resolved: ResolvedParams = { values: {}, recorded: {}, secrets: [] };
  for (const param of params) {
    const value = given[param.name];
    if (param.type === 'server') {
      if (value !== undefined) issue(param.name, `Taken from each server’s ${param.field}; do not give it`);
      continue;
    }
    if (value === undefined) {
      if (param.default !== undefined) resolved.values[param.name] = param.default;
      else if (param.required) issue(param.name, 'Required');
    } else {
      const refusal = paramRefusal(param, value);
      if (refusal) issue(param.name, refusal[0] ? `${refusal[0].toUpperCase()}${refusal.slice(1)}` : refusal);
      else resolved.values[param.name] = param.type === 'number' ? Number(value) : String(value);
    }
    const kept = resolved.values[param.name];
    if (kept === undefined) continue;
    const secret = param.type === 'string' && param.secret;
    resolved.recorded[param.name] = secret ? REDACTED : kept;
    if (secret) resolved.secrets.push(String(kept));
  }
  if (issues.length > 0) throw validationError(issues);
  return resolved;
}

/** The secret parameters of a runbook, by name. */
export const secretNames = (params: readonly RunbookParam[]): string[] =>
  params.filter((param) => param.type === 'string' && param.secret).map((param) => param.name);

function fieldOf(server: Server, field: Extract<RunbookParam, { type: 'server' }>['field']): string {
  switch (field) {
    case 'name':
      return server.name;
    case 'host':
      return server.host;
    case 'port':
      return String(server.port);
    case 'address':
      return hostPort(server.host, server.port);
    case 'environment':
      return server.environment;
    case 'user':
      return server.user ?? '';
    case 'tags':
      return server.tags.join(',');
  }
}

/**
 * One target's environment: the values given, and each server field read from `server` (its
 * default where the server has none). A string when a required field is missing: why the target
 * is skipped.
 */
export function envFor(params: readonly RunbookParam[], values: Readonly<Record<string, string | number>>, server: Server): Record<string, string> | string {
  const env: Record<string, string> = {};
  for (const param of params) {
    if (param.type === 'server') {
      const value = fieldOf(server, param.field) || (param.default ?? '');
      if (value === '' && param.required) return `${server.name} has no ${param.field} for the parameter ${param.name}`;
      env[param.name] = value;
    } else {
      const value = values[param.name];
      if (value !== undefined) env[param.name] = String(value);
    }
  }
  return env;
}
