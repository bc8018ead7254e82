import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { SecretKind, SlotKind } from '@shared/api/vault';

/**
 * The key hierarchy: each slot wraps the vault's key-encryption key (KEK); the KEK wraps the
 * data key (DEK) of each generation; the DEK seals every secret. Slots come and go without
 * touching secrets; rotating the DEK re-seals secrets without touching slots.
 */
export const vaultSlotsTable = sqliteTable('vault_slots', {
  id: text('id').primaryKey(),
  kind: text('kind').$type<SlotKind>().notNull(),
  label: text('label').notNull(),
  /** The KEK sealed by this slot's protector (base64). */
  wrappedKek: text('wrapped_kek').notNull(),
  /** How the protector's key is derived (scrypt parameters and salt, key file fingerprint). */
  params: text('params', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  createdAt: integer('created_at').notNull(),
  lastUsedAt: integer('last_used_at'),
});
export type VaultSlotRow = typeof vaultSlotsTable.$inferSelect;

/** One row (id = 1): the wrapped data keys. */
export const vaultStateTable = sqliteTable('vault_state', {
  id: integer('id').primaryKey(),
  generation: integer('generation').notNull(),
  /** The DEK of `generation`, sealed by the KEK (base64). */
  wrappedDek: text('wrapped_dek').notNull(),
  /** While a rotation runs: the next generation and its DEK. */
  pendingGeneration: integer('pending_generation'),
  pendingWrappedDek: text('pending_wrapped_dek'),
});

export const secretsTable = sqliteTable(
  'secrets',
  {
    id: text('id').primaryKey(),
    kind: text('kind').$type<SecretKind>().notNull(),
    name: text('name').notNull(),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
    serverIds: text('server_ids', { mode: 'json' }).$type<string[]>().notNull(),
    username: text('username'),
    publicKey: text('public_key'),
    fingerprint: text('fingerprint'),
    /** nonce ‖ ciphertext ‖ tag, base64; sealed with the DEK of `keyGeneration`, AAD = id and kind. */
    sealed: text('sealed').notNull(),
    keyGeneration: integer('key_generation').notNull(),
    createdAt: integer('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    updatedAt: integer('updated_at').notNull(),
    updatedBy: text('updated_by').notNull(),
    lastUsedAt: integer('last_used_at'),
    lastUsedBy: text('last_used_by'),
  },
  (table) => [index('secrets_generation').on(table.keyGeneration), index('secrets_name').on(table.name)],
);
export type SecretRow = typeof secretsTable.$inferSelect;
