import { sql, type SQL } from 'drizzle-orm';
import { AppError } from '@shared/api/errors';
import { SECRET_KINDS, SLOT_KINDS, type SecretKind } from '@shared/api/vault';
import { jsonParam, read, type AsyncDatabase, type Dialect, type Row } from '../db/engine';
import type { SecretRow, VaultSlotRow } from './table';

/**
 * Every read and write of the vault's tables (secrets, vault_state, vault_slots) on either engine
 * (docs/architecture.md §4, §5): each query written once, each table read through its one mapper.
 * Inside a caller's transaction (the router's, a rotation's batch) the store joins it.
 *
 * Writes that change the key hierarchy take the vault's lock first (`lockKeys`): on SQLite the
 * transaction's BEGIN IMMEDIATE already holds the file, on PostgreSQL the state row is locked
 * until commit, so two nodes changing slots or starting a rotation take turns instead of each
 * acting on what the other is about to replace.
 */

/** The vault's one state row: the wrapped data keys. */
export interface VaultState {
  generation: number;
  wrappedDek: string;
  pendingGeneration: number | null;
  pendingWrappedDek: string | null;
}

export type SecretFilter = { q?: string | undefined; tags?: string[] | undefined; kind?: SecretKind | undefined; serverId?: string | undefined };

function damagedRow(what: string): AppError {
  return new AppError('INTERNAL', `The database holds ${what}.`, {
    hint: 'The database may have been changed by hand or by another program; check its schema with guardian db check, or restore a backup.',
    retryable: false,
  });
}

const isOneOf = <T extends string>(values: readonly T[], value: string): value is T => values.some((known) => known === value);
const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function kindOf<T extends string>(row: Row, kinds: readonly T[]): T {
  const value = read.text(row, 'kind');
  if (!isOneOf(kinds, value)) throw damagedRow(`an unknown kind "${value}"`);
  return value;
}

function strings(row: Row, column: string): string[] {
  const value = read.json(row, column);
  if (!isStrings(value)) throw damagedRow(`a secret whose ${column} is not a list of words`);
  return value;
}

const SECRET_COLUMNS = sql.raw(
  'id, kind, name, tags, server_ids, username, public_key, fingerprint, sealed, key_generation, created_at, created_by, updated_at, updated_by, last_used_at, last_used_by',
);

/** The secrets table's mapper. */
function secretOf(row: Row): SecretRow {
  return {
    id: read.text(row, 'id'),
    kind: kindOf(row, SECRET_KINDS),
    name: read.text(row, 'name'),
    tags: strings(row, 'tags'),
    serverIds: strings(row, 'server_ids'),
    username: read.textOrNull(row, 'username'),
    publicKey: read.textOrNull(row, 'public_key'),
    fingerprint: read.textOrNull(row, 'fingerprint'),
    sealed: read.text(row, 'sealed'),
    keyGeneration: read.number(row, 'key_generation'),
    createdAt: read.number(row, 'created_at'),
    createdBy: read.text(row, 'created_by'),
    updatedAt: read.number(row, 'updated_at'),
    updatedBy: read.text(row, 'updated_by'),
    lastUsedAt: read.numberOrNull(row, 'last_used_at'),
    lastUsedBy: read.textOrNull(row, 'last_used_by'),
  };
}

const SLOT_COLUMNS = sql.raw('id, kind, label, wrapped_kek, params, created_at, last_used_at');

/** The vault_slots table's mapper. */
function slotOf(row: Row): VaultSlotRow {
  const params = read.json(row, 'params');
  if (!isRecord(params)) throw damagedRow('a key slot whose parameters are not an object');
  return {
    id: read.text(row, 'id'),
    kind: kindOf(row, SLOT_KINDS),
    label: read.text(row, 'label'),
    wrappedKek: read.text(row, 'wrapped_kek'),
    params,
    createdAt: read.number(row, 'created_at'),
    lastUsedAt: read.numberOrNull(row, 'last_used_at'),
  };
}

/** The vault_state table's mapper. */
function stateOf(row: Row): VaultState {
  return {
    generation: read.number(row, 'generation'),
    wrappedDek: read.text(row, 'wrapped_dek'),
    pendingGeneration: read.numberOrNull(row, 'pending_generation'),
    pendingWrappedDek: read.textOrNull(row, 'pending_wrapped_dek'),
  };
}

const count = (row: Row) => read.number(row, 'n');

/** The dialect's spelling of what differs: case-blind search and order, and JSON arrays of ids or tags. */
function spelling(dialect: Dialect) {
  const sqlite = dialect === 'sqlite';
  return {
    /** Text containing `pattern` (a LIKE pattern escaped with \), whatever its case. */
    contains: (column: SQL, pattern: string) => (sqlite ? sql`${column} LIKE ${pattern} ESCAPE '\\'` : sql`${column} ILIKE ${pattern} ESCAPE '\\'`),
    tagsText: sqlite ? sql`tags` : sql`tags::text`,
    /** Whether the JSON array in `column` holds `value`. */
    holds: (column: 'tags' | 'server_ids', value: string) =>
      sqlite
        ? sql`EXISTS (SELECT 1 FROM json_each(${sql.raw(column)}) WHERE json_each.value = ${value})`
        : sql`${sql.raw(column)} @> ${jsonParam([value])}::jsonb`,
    /** server_ids without `serverId`, in order. */
    withoutServer: (serverId: string) =>
      sqlite ? sql`(SELECT json_group_array(value) FROM json_each(server_ids) WHERE value <> ${serverId})` : sql`server_ids - ${serverId}::text`,
    /** Names in order whatever their case, then byte by byte. */
    name: sqlite ? sql`name COLLATE NOCASE` : sql`lower(name) COLLATE "C"`,
  };
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

export class VaultStore {
  private readonly say;

  constructor(private readonly db: AsyncDatabase) {
    this.say = spelling(db.dialect);
  }

  // ── the state: which data keys exist ──

  state(): Promise<VaultState | undefined> {
    return this.db.get(sql`SELECT generation, wrapped_dek, pending_generation, pending_wrapped_dek FROM vault_state WHERE id = 1`, stateOf);
  }

  /**
   * The state, read under the vault's lock, held until the caller's transaction ends (call it
   * inside one): every change to the key hierarchy reads it so before it decides anything.
   */
  lockKeys(): Promise<VaultState | undefined> {
    const lock = this.db.dialect === 'postgres' ? sql` FOR UPDATE` : sql``;
    return this.db.get(sql`SELECT generation, wrapped_dek, pending_generation, pending_wrapped_dek FROM vault_state WHERE id = 1${lock}`, stateOf);
  }

  /** The vault's first state; a second is refused by the primary key (another process got there first). */
  async createState(generation: number, wrappedDek: string): Promise<void> {
    await this.db.run(sql`INSERT INTO vault_state (id, generation, wrapped_dek) VALUES (1, ${generation}, ${wrappedDek})`);
  }

  /** Records the next data key (wrapped) before any secret moves to it; only when no rotation is pending. Whether it was. */
  async beginRotation(generation: number, wrappedDek: string): Promise<boolean> {
    const { changes } = await this.db.run(
      sql`UPDATE vault_state SET pending_generation = ${generation}, pending_wrapped_dek = ${wrappedDek} WHERE id = 1 AND pending_generation IS NULL`,
    );
    return changes === 1;
  }

  /** A full rotation's new wrapping of the current data key, and the next data key pending. */
  async rewrapState(wrappedDek: string, pendingGeneration: number, pendingWrappedDek: string): Promise<void> {
    await this.db.run(
      sql`UPDATE vault_state SET wrapped_dek = ${wrappedDek}, pending_generation = ${pendingGeneration}, pending_wrapped_dek = ${pendingWrappedDek} WHERE id = 1`,
    );
  }

  /** Makes the pending data key `generation` the current one. */
  async finishRotation(generation: number, wrappedDek: string): Promise<void> {
    await this.db.run(
      sql`UPDATE vault_state SET generation = ${generation}, wrapped_dek = ${wrappedDek}, pending_generation = NULL, pending_wrapped_dek = NULL WHERE id = 1`,
    );
  }

  // ── key slots ──

  /** Every slot, oldest first (slots made at the same moment in the order they were added). */
  slots(): Promise<VaultSlotRow[]> {
    return this.db.all(sql`SELECT ${SLOT_COLUMNS} FROM vault_slots ORDER BY created_at`, slotOf);
  }

  async insertSlot(slot: VaultSlotRow): Promise<void> {
    await this.db.run(sql`INSERT INTO vault_slots (${SLOT_COLUMNS}) VALUES (${slot.id}, ${slot.kind}, ${slot.label}, ${slot.wrappedKek},
      ${jsonParam(slot.params)}, ${slot.createdAt}, ${slot.lastUsedAt})`);
  }

  /**
   * A slot's new wrapping of the KEK, only if it still holds `expected` (the wrapping the caller
   * opened): whether it did. A slot changed meanwhile is not overwritten with a stale key.
   */
  async rewrapSlot(id: string, expected: string, fields: Pick<VaultSlotRow, 'wrappedKek' | 'params'>): Promise<boolean> {
    const { changes } = await this.db.run(
      sql`UPDATE vault_slots SET wrapped_kek = ${fields.wrappedKek}, params = ${jsonParam(fields.params)} WHERE id = ${id} AND wrapped_kek = ${expected}`,
    );
    return changes === 1;
  }

  /** Whether there was such a slot to delete. */
  async deleteSlot(id: string): Promise<boolean> {
    return (await this.db.run(sql`DELETE FROM vault_slots WHERE id = ${id}`)).changes === 1;
  }

  async stampSlot(id: string, at: number): Promise<void> {
    await this.db.run(sql`UPDATE vault_slots SET last_used_at = ${at} WHERE id = ${id}`);
  }

  // ── secrets ──

  secret(id: string): Promise<SecretRow | undefined> {
    return this.db.get(sql`SELECT ${SECRET_COLUMNS} FROM secrets WHERE id = ${id}`, secretOf);
  }

  /** The secrets matching `filter`, in name order whatever the case. */
  secrets(filter: SecretFilter = {}): Promise<SecretRow[]> {
    const conditions: SQL[] = [];
    if (filter.q) {
      const pattern = likePattern(filter.q);
      const { contains } = this.say;
      conditions.push(
        sql`(${contains(sql`name`, pattern)} OR ${contains(sql`username`, pattern)} OR ${contains(this.say.tagsText, pattern)} OR ${contains(sql`fingerprint`, pattern)})`,
      );
    }
    if (filter.kind) conditions.push(sql`kind = ${filter.kind}`);
    for (const tag of filter.tags ?? []) conditions.push(this.say.holds('tags', tag));
    if (filter.serverId) conditions.push(this.say.holds('server_ids', filter.serverId));
    const where = conditions.length ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``;
    return this.db.all(sql`SELECT ${SECRET_COLUMNS} FROM secrets ${where} ORDER BY ${this.say.name}, id`, secretOf);
  }

  private insertText(row: SecretRow): SQL {
    return sql`INSERT INTO secrets (${SECRET_COLUMNS}) VALUES (${row.id}, ${row.kind}, ${row.name}, ${jsonParam(row.tags)},
      ${jsonParam(row.serverIds)}, ${row.username}, ${row.publicKey}, ${row.fingerprint}, ${row.sealed}, ${row.keyGeneration},
      ${row.createdAt}, ${row.createdBy}, ${row.updatedAt}, ${row.updatedBy}, ${row.lastUsedAt}, ${row.lastUsedBy})`;
  }

  async insertSecret(row: SecretRow): Promise<void> {
    await this.db.run(this.insertText(row));
  }

  /** Inserts `row` unless a secret with its id exists (whoever wrote it, however recently): whether it did. */
  async insertNewSecret(row: SecretRow): Promise<boolean> {
    return (await this.db.run(sql`${this.insertText(row)} ON CONFLICT (id) DO NOTHING`)).changes === 1;
  }

  /** Writes what a change may change (never the id, kind, creation or last use); whether the secret was there. */
  async updateSecret(row: SecretRow): Promise<boolean> {
    const { changes } = await this.db.run(sql`UPDATE secrets SET name = ${row.name}, tags = ${jsonParam(row.tags)},
      server_ids = ${jsonParam(row.serverIds)}, username = ${row.username}, public_key = ${row.publicKey}, fingerprint = ${row.fingerprint},
      sealed = ${row.sealed}, key_generation = ${row.keyGeneration}, updated_at = ${row.updatedAt}, updated_by = ${row.updatedBy}
      WHERE id = ${row.id}`);
    return changes === 1;
  }

  /** Whether there was such a secret to delete. */
  async deleteSecret(id: string): Promise<boolean> {
    return (await this.db.run(sql`DELETE FROM secrets WHERE id = ${id}`)).changes === 1;
  }

  /** Takes `serverId` out of every secret linked to it; how many were. */
  async unlinkServer(serverId: string, at: number, actor: string): Promise<number> {
    const { changes } = await this.db.run(
      sql`UPDATE secrets SET server_ids = ${this.say.withoutServer(serverId)}, updated_at = ${at}, updated_by = ${actor} WHERE ${this.say.holds('server_ids', serverId)}`,
    );
    return changes;
  }

  async stampSecret(id: string, at: number, usedBy: string): Promise<void> {
    await this.db.run(sql`UPDATE secrets SET last_used_at = ${at}, last_used_by = ${usedBy} WHERE id = ${id}`);
  }

  // ── rotation ──

  /** How many secrets are not yet sealed with the data key of `generation`. */
  async countNotAt(generation: number): Promise<number> {
    return (await this.db.get(sql`SELECT count(*) AS n FROM secrets WHERE key_generation <> ${generation}`, count)) ?? 0;
  }

  /** Up to `limit` secrets not yet sealed with the data key of `generation`. */
  notAt(generation: number, limit: number): Promise<SecretRow[]> {
    return this.db.all(sql`SELECT ${SECRET_COLUMNS} FROM secrets WHERE key_generation <> ${generation} ORDER BY id LIMIT ${limit}`, secretOf);
  }

  /**
   * A secret sealed again with the data key of `generation`, only if it still holds `expected`
   * (what the caller opened): a value changed meanwhile is not overwritten with the old one.
   */
  async reseal(id: string, expected: string, sealed: string, generation: number): Promise<boolean> {
    const { changes } = await this.db.run(sql`UPDATE secrets SET sealed = ${sealed}, key_generation = ${generation} WHERE id = ${id} AND sealed = ${expected}`);
    return changes === 1;
  }
}
