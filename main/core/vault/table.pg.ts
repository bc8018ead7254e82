import { bigint, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import type { SecretKind, SlotKind } from '@shared/api/vault';

/** The vault's key hierarchy and secrets for PostgreSQL, the same as table.ts: slots wrap the KEK, the KEK wraps each generation's DEK, the DEK seals every secret. */
export const vaultSlotsTable = pgTable('vault_slots', {
  id: text('id').primaryKey(),
  kind: text('kind').$type<SlotKind>().notNull(),
  label: text('label').notNull(),
  /** The KEK sealed by this slot's protector (base64). */
  wrappedKek: text('wrapped_kek').notNull(),
  /** How the protector's key is derived (scrypt parameters and salt, key file fingerprint). */
  params: jsonb('params').$type<Record<string, unknown>>().notNull(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  lastUsedAt: bigint('last_used_at', { mode: 'number' }),
});
export type VaultSlotRow = typeof vaultSlotsTable.$inferSelect;

/** One row (id = 1): the wrapped data keys. */
export const vaultStateTable = pgTable('vault_state', {
  id: integer('id').primaryKey(),
  generation: integer('generation').notNull(),
  /** The DEK of `generation`, sealed by the KEK (base64). */
  wrappedDek: text('wrapped_dek').notNull(),
  /** While a rotation runs: the next generation and its DEK. */
  pendingGeneration: integer('pending_generation'),
  pendingWrappedDek: text('pending_wrapped_dek'),
});

export const secretsTable = pgTable(
  'secrets',
  {
    id: text('id').primaryKey(),
    kind: text('kind').$type<SecretKind>().notNull(),
    name: text('name').notNull(),
    tags: jsonb('tags').$type<string[]>().notNull(),
    serverIds: jsonb('server_ids').$type<string[]>().notNull(),
    username: text('username'),
    publicKey: text('public_key'),
    fingerprint: text('fingerprint'),
    /** nonce ‖ ciphertext ‖ tag, base64; sealed with the DEK of `keyGeneration`, AAD = id and kind. */
    sealed: text('sealed').notNull(),
    keyGeneration: integer('key_generation').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    createdBy: text('created_by').notNull(),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
    updatedBy: text('updated_by').notNull(),
    lastUsedAt: bigint('last_used_at', { mode: 'number' }),
    lastUsedBy: text('last_used_by'),
  },
  (table) => [index('secrets_generation').on(table.keyGeneration), index('secrets_name').on(table.name)],
);
export type SecretRow = typeof secretsTable.$inferSelect;
