import type { z } from 'zod';
import { AppError } from '@shared/api/errors';
import type { Server, ServerListInput, ServerPatch } from '@shared/api/servers';
import { SERVER_FIELDS, ServerInput } from '@shared/api/servers';
import { dependencyProblem, type DependencyLink } from '@shared/servers/dependencies';
import { jumpProblem } from '@shared/servers/jumps';
import type { Clock } from '../clock';
import { unlessTaken, type AsyncDatabase } from '../db/engine';
import type { EventBus } from '../events/bus';
import { ServerStore, type ServerFilter } from './store';
import type { ServerRow } from './table';

/** A server as the service takes it; without jumpHostId or dependsOnId it has none when created, and keeps its own when upserted. */
export type NewServer = Omit<z.output<typeof ServerInput>, 'jumpHostId' | 'dependsOnId'> & {
  jumpHostId?: string | null | undefined;
  dependsOnId?: string | null | undefined;
  /** Off when left out; an upsert keeps the server's own (imports never carry it). */
  agentForwarding?: boolean | undefined;
};
export type { ServerFilter } from './store';
type ListQuery = z.output<typeof ServerListInput>;
type Patch = z.output<typeof ServerPatch>;

export interface ServerServiceDeps {
  data: AsyncDatabase;
  clock: Clock;
  events: EventBus;
  newId: () => string;
  /** Called, in the same transaction, when a server's host changes: the vault unlinks its secrets. */
  onHostChanged?: (serverId: string) => Promise<unknown>;
}

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

function toServer(row: ServerRow): Server {
  return { ...row };
}

function conflict(name: string): AppError {
  return new AppError('CONFLICT', `A server named "${name}" already exists.`, {
    hint: 'Choose another name, or edit the existing server.',
    issues: [{ path: ['name'], message: 'This name is already used by another server' }],
  });
}

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `There is no server with id ${id}.`, {
    hint: 'It may have been deleted; refresh the list.',
  });
}

/** Whether a change points the server at another host or port: what its agent forwarding was allowed for is no longer where it goes. */
export function moved(current: { host: string; port: number }, next: { host: string; port: number }): boolean {
  return current.host !== next.host || current.port !== next.port;
}

/** A jump host the inventory cannot take (itself, none such, a loop, too many hops): VALIDATION_FAILED on jumpHostId. */
async function assertJumpHost(store: ServerStore, server: { id: string; name: string; jumpHostId: string | null }, jumpHostId: string | null): Promise<void> {
  if (jumpHostId === null) return;
  const problem = jumpProblem(server, jumpHostId, await store.jumpLinks());
  if (problem) throw new AppError('VALIDATION_FAILED', problem.message, { hint: problem.hint, issues: [{ path: ['jumpHostId'], message: problem.message }] });
}

/** A server to depend on the inventory cannot take (itself, none such, a loop): VALIDATION_FAILED on dependsOnId. */
async function assertDependsOn(store: ServerStore, server: DependencyLink, dependsOnId: string | null): Promise<void> {
  const problem = dependencyProblem(server, dependsOnId, dependsOnId === null ? [] : await store.dependencyLinks());
  if (problem) throw new AppError('VALIDATION_FAILED', problem.message, { hint: problem.hint, issues: [{ path: ['dependsOnId'], message: problem.message }] });
}

function sameFields(row: ServerRow, next: ServerRow): boolean {
  return SERVER_FIELDS.every((field) => (field === 'tags' ? row.tags.join(',') === next.tags.join(',') : row[field] === next[field]));
}

/** The server inventory: the one place servers are read and written (through its store, on either engine). */
export class ServerService {
  private readonly store: ServerStore;

  constructor(private readonly deps: ServerServiceDeps) {
    this.store = new ServerStore(deps.data);
  }

  async list(query: ListQuery): Promise<{ items: Server[]; total: number }> {
    const { rows, total } = await this.store.page(query, query.sort, query.order, query.limit, query.offset);
    return { items: rows.map(toServer), total };
  }

  /** Every matching server in name order, for exports. */
  async all(filter: ServerFilter): Promise<Server[]> {
    return (await this.store.all(filter)).map(toServer);
  }

  facets() {
    return this.store.facets();
  }

  async get(id: string): Promise<Server> {
    const row = await this.store.get(id);
    if (!row) throw notFound(id);
    return toServer(row);
  }

  findByName(name: string): Promise<ServerRow | undefined> {
    return this.store.byName(name);
  }

  async create(input: NewServer): Promise<Server> {
    const server = await this.insert(input);
    this.deps.events.emit('servers.changed', { change: 'created', ids: [server.id] });
    return server;
  }

  private async insert(input: NewServer): Promise<Server> {
    if (await this.findByName(input.name)) throw conflict(input.name);
    const now = this.deps.clock.now();
    const row: ServerRow = {
      id: this.deps.newId(),
      ...input,
      jumpHostId: input.jumpHostId ?? null,
      dependsOnId: input.dependsOnId ?? null,
      agentForwarding: input.agentForwarding ?? false,
      createdAt: now,
      updatedAt: now,
    };
    await assertJumpHost(this.store, row, row.jumpHostId);
    await assertDependsOn(this.store, row, row.dependsOnId);
    await unlessTaken(this.store.insert(row), () => conflict(input.name));
    return toServer(row);
  }

  async update(patch: Patch): Promise<Server> {
    const { id, ...fields } = patch;
    const current = await this.get(id);
    if (fields.name !== undefined) {
      const other = await this.findByName(fields.name);
      if (other && other.id !== id) throw conflict(fields.name);
    }
    const changes = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
    const next: Server = { ...current, ...changes, updatedAt: this.deps.clock.now() };
    // Moved elsewhere, it forwards the agent only if this change says so again (who may, the caller checked: mayChangeAgentForwarding).
    if (moved(current, next) && fields.agentForwarding !== true) next.agentForwarding = false;
    if (fields.jumpHostId !== undefined) await assertJumpHost(this.store, next, next.jumpHostId);
    if (fields.dependsOnId !== undefined) await assertDependsOn(this.store, next, next.dependsOnId);
    await unlessTaken(this.store.update(next), () => conflict(next.name));
    if (next.host !== current.host) await this.deps.onHostChanged?.(id);
    this.deps.events.emit('servers.changed', { change: 'updated', ids: [id] });
    return next;
  }

  /**
   * Removes a server, unless others connect through it: removing their jump host would leave them
   * unreachable, or silently connecting straight to a host they were meant to be reached through.
   */
  async delete(id: string): Promise<{ id: string }> {
    const dependents = await this.store.jumpingThrough(id);
    if (dependents.length > 0) {
      const name = (await this.store.get(id))?.name ?? id;
      throw new AppError('CONFLICT', `${dependents.join(', ')} ${dependents.length === 1 ? 'connects' : 'connect'} through ${name}: it is not removed.`, {
        hint: `Give ${dependents.length === 1 ? 'it' : 'them'} another jump host (Connect through), or none, then remove ${name}.`,
      });
    }
    // Those that sat behind it depend on nothing now (their alerts are no longer held for it).
    await this.store.clearDependsOn(id);
    if (!(await this.store.delete(id))) throw notFound(id);
    this.deps.events.emit('servers.changed', { change: 'deleted', ids: [id] });
    return { id };
  }

  /** Creates the server, or updates the one with the same name: what makes imports idempotent. */
  async upsertByName(input: NewServer): Promise<{ outcome: UpsertOutcome; id: string }> {
    const existing = await this.findByName(input.name);
    if (!existing) return { outcome: 'created', id: (await this.insert(input)).id };
    const next: ServerRow = {
      ...existing,
      ...input,
      jumpHostId: input.jumpHostId === undefined ? existing.jumpHostId : input.jumpHostId,
      dependsOnId: input.dependsOnId === undefined ? existing.dependsOnId : input.dependsOnId,
      // An import never turns it on, and moving the server elsewhere turns it off.
      agentForwarding: existing.agentForwarding && !moved(existing, input),
    };
    if (sameFields(existing, next)) return { outcome: 'unchanged', id: existing.id };
    if (next.jumpHostId !== existing.jumpHostId) await assertJumpHost(this.store, existing, next.jumpHostId);
    if (next.dependsOnId !== existing.dependsOnId) await assertDependsOn(this.store, existing, next.dependsOnId);
    await unlessTaken(this.store.update({ ...next, updatedAt: this.deps.clock.now() }), () => conflict(input.name));
    if (input.host !== existing.host) await this.deps.onHostChanged?.(existing.id);
    return { outcome: 'updated', id: existing.id };
  }
}
