import { z } from 'zod';
import { changeEvent, method, queryList } from './contract';
import { JobSchema } from './jobs';

export const SECRET_KINDS = ['password', 'ssh_key', 'api_token', 'note'] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];
export const SLOT_KINDS = ['os', 'passphrase', 'keyfile'] as const;
export type SlotKind = (typeof SLOT_KINDS)[number];

/** A vault passphrase: long enough that scrypt is not the only thing standing between it and a guess. */
const Passphrase = z.string().min(12, 'A vault passphrase is at least 12 characters').max(1024);
const AnyPassphrase = z.string().min(1, 'Enter the passphrase').max(1024);
const SecretName = z.string().trim().min(1, 'Name the secret').max(100, 'Name is at most 100 characters');
const SecretTag = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'Tags use letters, digits, dot, dash and underscore');
const SecretTags = z
  .array(SecretTag)
  .max(32)
  .transform((tags) => [...new Set(tags)].sort());
const ServerIds = z
  .array(z.uuid('Not a server id'))
  .max(1000)
  .transform((ids) => [...new Set(ids)]);

/** The secret material itself, by kind. Never returned except by secrets.reveal. */
export const SecretValue = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('password'), password: z.string().min(1, 'Enter the password').max(4096) }),
  z.strictObject({
    kind: z.literal('ssh_key'),
    privateKey: z.string().min(1, 'Paste the private key').max(32_768),
    passphrase: z.string().max(1024).optional(),
  }),
  z.strictObject({ kind: z.literal('api_token'), token: z.string().min(1, 'Enter the token').max(8192) }),
  z.strictObject({ kind: z.literal('note'), text: z.string().min(1, 'Write the note').max(65_536) }),
]);
export type SecretValue = z.infer<typeof SecretValue>;

export const Secret = z.object({
  id: z.string(),
  kind: z.enum(SECRET_KINDS),
  name: z.string(),
  tags: z.array(z.string()),
  serverIds: z.array(z.string()),
  /** Login name for passwords; not secret, so searchable while locked. */
  username: z.string().nullable(),
  /** For SSH keys: the public key and its SHA256 fingerprint, shown without unlocking. */
  publicKey: z.string().nullable(),
  fingerprint: z.string().nullable(),
  createdAt: z.number().int(),
  createdBy: z.string(),
  updatedAt: z.number().int(),
  updatedBy: z.string(),
  lastUsedAt: z.number().int().nullable(),
  lastUsedBy: z.string().nullable(),
});
export type Secret = z.infer<typeof Secret>;

export const VaultSlot = z.object({
  id: z.string(),
  kind: z.enum(SLOT_KINDS),
  label: z.string(),
  createdAt: z.number().int(),
  lastUsedAt: z.number().int().nullable(),
});

/**
 * The key file a `keyfile` slot means here: the one the service was started with (`configured`),
 * one picked in the desktop app's file dialog when needed (`dialog`), or none; never a path a
 * caller sends.
 */
export const KeyFileAvailability = z.object({ source: z.enum(['configured', 'dialog', 'none']), reason: z.string() });
export type KeyFileAvailability = z.infer<typeof KeyFileAvailability>;

export const VaultStatus = z.object({
  initialized: z.boolean(),
  locked: z.boolean(),
  slots: z.array(VaultSlot),
  /** Whether the OS keychain can protect the vault here, and if not, why in plain words. */
  os: z.object({ available: z.boolean(), reason: z.string() }),
  keyFile: KeyFileAvailability,
  /** How long unused before it locks itself; null: never (a service started with its key file). */
  autoLockMs: z.number().int().nullable(),
  rotation: z.object({ inProgress: z.boolean(), remaining: z.number().int() }),
});
export type VaultStatus = z.infer<typeof VaultStatus>;

const SlotSpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('passphrase'), passphrase: Passphrase, label: z.string().trim().max(100).optional() }),
  z.strictObject({ kind: z.literal('os'), label: z.string().trim().max(100).optional() }),
  z.strictObject({ kind: z.literal('keyfile'), label: z.string().trim().max(100).optional() }),
]);

const UnlockWith = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('passphrase'), passphrase: AnyPassphrase }),
  z.strictObject({ kind: z.literal('os') }),
  z.strictObject({ kind: z.literal('keyfile') }),
]);

export const vaultStatus = method({
  name: 'vault.status',
  summary: 'Whether the vault exists and is unlocked, its key slots, and whether the OS keychain is usable.',
  input: z.strictObject({}),
  output: VaultStatus,
  permission: 'vault:read',
  audit: false,
  http: { method: 'GET', path: '/vault' },
});

export const vaultInit = method({
  name: 'vault.init',
  summary: 'Creates the vault: a random data key, protected by its first key slot. The vault is then unlocked.',
  input: z.strictObject({ slot: SlotSpec }),
  output: VaultStatus,
  permission: 'vault:admin',
  audit: { target: () => 'vault' },
  http: { method: 'POST', path: '/vault/init' },
});

export const vaultUnlock = method({
  name: 'vault.unlock',
  summary:
    'Unlocks the vault with any of its key slots; `keyfile` means the key file this Guardian was given (never a path). Wrong guesses are throttled per caller (RATE_LIMITED).',
  input: z.strictObject({ with: UnlockWith }),
  output: VaultStatus,
  permission: 'vault:admin',
  audit: { target: () => 'vault' },
  http: { method: 'POST', path: '/vault/unlock' },
});

export const vaultLock = method({
  name: 'vault.lock',
  summary: 'Forgets the data key: secrets cannot be used until the vault is unlocked again.',
  input: z.strictObject({}),
  output: VaultStatus,
  permission: 'vault:admin',
  audit: { target: () => 'vault' },
  http: { method: 'POST', path: '/vault/lock' },
});

export const vaultAddSlot = method({
  name: 'vault.addSlot',
  summary: 'Adds a key slot (another way to unlock) without re-encrypting any secret. Needs the vault unlocked.',
  input: z.strictObject({ slot: SlotSpec }),
  output: VaultStatus,
  permission: 'vault:admin',
  audit: { target: () => 'vault' },
  http: { method: 'POST', path: '/vault/slots' },
});

export const vaultRemoveSlot = method({
  name: 'vault.removeSlot',
  summary: 'Removes a key slot; the last one is never removed.',
  input: z.strictObject({ id: z.uuid('Not a slot id') }),
  output: VaultStatus,
  permission: 'vault:admin',
  audit: { target: (input) => `vault-slot:${input.id}` },
  http: { method: 'DELETE', path: '/vault/slots/:id' },
});

export const vaultChangePassphrase = method({
  name: 'vault.changePassphrase',
  summary: 'Changes the passphrase of a passphrase slot (the current one is needed); no secret is re-encrypted.',
  input: z.strictObject({ id: z.uuid('Not a slot id'), current: AnyPassphrase, next: Passphrase }),
  output: VaultStatus,
  permission: 'vault:admin',
  audit: { target: (input) => `vault-slot:${input.id}` },
  http: { method: 'POST', path: '/vault/slots/:id/passphrase' },
});

const SlotPassphrase = z.strictObject({ slotId: z.uuid('Not a slot id'), passphrase: AnyPassphrase });

const RotateInput = z
  .strictObject({
    /** `data` (the default): a new data key. `full`: also a new key-encryption key, every slot kept re-wrapped. */
    scope: z.enum(['data', 'full']).default('data'),
    /** Full rotation: the passphrase of each passphrase slot kept (a passphrase slot cannot be re-wrapped without it). */
    passphrases: z.array(SlotPassphrase).max(32).optional(),
    /** Full rotation: slots to remove rather than re-wrap (e.g. the one whose secret leaked). */
    dropSlots: z.array(z.uuid('Not a slot id')).max(32).optional(),
  })
  .refine((input) => input.scope === 'full' || (input.passphrases === undefined && input.dropSlots === undefined), {
    message: 'Only a full rotation takes passphrases and slots to remove',
    path: ['scope'],
  });

export const vaultRotate = method({
  name: 'vault.rotate',
  summary:
    'Replaces the data key, re-encrypting every secret in batches, as a job; resumes where it stopped. `scope: "full"` also replaces the key-encryption key and re-wraps every slot kept (after a passphrase or key file leaked and its slot was removed).',
  input: RotateInput,
  output: JobSchema,
  permission: 'vault:admin',
  audit: { target: () => 'vault' },
  http: { method: 'POST', path: '/vault/rotate' },
});

export const secretsList = method({
  name: 'secrets.list',
  summary: 'Secrets by name, tag, kind or linked server: metadata only, works while the vault is locked.',
  input: z.strictObject({
    q: z.string().trim().max(200).optional(),
    tags: queryList(SecretTag, 32).optional(),
    kind: z.enum(SECRET_KINDS).optional(),
    serverId: z.uuid().optional(),
  }),
  output: z.object({ items: z.array(Secret) }),
  permission: 'vault:read',
  audit: false,
  http: { method: 'GET', path: '/secrets' },
});

export const SecretInput = z.strictObject({
  name: SecretName,
  tags: SecretTags.default([]),
  serverIds: ServerIds.default([]),
  username: z.string().trim().max(200).nullable().default(null),
  value: SecretValue,
});

export const secretsCreate = method({
  name: 'secrets.create',
  summary: 'Stores a secret, sealed with the data key. Needs the vault unlocked.',
  input: SecretInput,
  output: Secret,
  permission: 'vault:write',
  audit: { target: (_input, out) => (out ? `secret:${out.id}` : undefined) },
  http: { method: 'POST', path: '/secrets' },
});

export const secretsUpdate = method({
  name: 'secrets.update',
  summary: 'Changes a secret’s metadata and, when given, its value (the kind cannot change).',
  input: z.strictObject({
    id: z.uuid('Not a secret id'),
    name: SecretName.optional(),
    tags: SecretTags.optional(),
    serverIds: ServerIds.optional(),
    username: z.string().trim().max(200).nullable().optional(),
    value: SecretValue.optional(),
  }),
  output: Secret,
  permission: 'vault:write',
  audit: { target: (input) => `secret:${input.id}` },
  http: { method: 'PATCH', path: '/secrets/:id' },
});

export const secretsDelete = method({
  name: 'secrets.delete',
  summary: 'Deletes a secret.',
  input: z.strictObject({ id: z.uuid('Not a secret id') }),
  output: z.object({ id: z.string() }),
  permission: 'vault:write',
  audit: { target: (input) => `secret:${input.id}` },
  http: { method: 'DELETE', path: '/secrets/:id' },
});

export const secretsReveal = method({
  name: 'secrets.reveal',
  summary: 'Shows a secret’s value. Needs vault:reveal and a re-authentication within the last 5 minutes.',
  input: z.strictObject({ id: z.uuid('Not a secret id') }),
  output: z.object({ id: z.string(), value: SecretValue }),
  permission: 'vault:reveal',
  audit: { target: (input) => `secret:${input.id}` },
  http: { method: 'POST', path: '/secrets/:id/reveal' },
});

export const secretsInspectKey = method({
  name: 'secrets.inspectKey',
  summary: 'Parses an SSH private key (OpenSSH or PEM) and gives its type, public key and fingerprint; nothing is stored.',
  input: z.strictObject({ privateKey: z.string().min(1).max(32_768), passphrase: z.string().max(1024).optional() }),
  output: z.object({ type: z.string(), publicKey: z.string(), fingerprint: z.string(), comment: z.string() }),
  permission: 'vault:write',
  audit: false,
  http: { method: 'POST', path: '/secrets/inspect-key' },
});

export const vaultExport = method({
  name: 'vault.export',
  summary:
    'Exports every secret as a file encrypted with a passphrase chosen now (its own scrypt key). Like reveal: needs vault:reveal, a signed-in person and a re-authentication within the last 5 minutes.',
  input: z.strictObject({ passphrase: Passphrase }),
  output: z.object({ fileName: z.string(), count: z.number().int(), content: z.string() }),
  permission: 'vault:reveal',
  audit: { target: () => 'vault' },
  http: { method: 'POST', path: '/vault/export' },
});

/** An imported secret's links to servers this Guardian does not have, which the import left out. */
export const DroppedServerLinks = z.object({ secretId: z.string(), name: z.string(), serverIds: z.array(z.string()) });
export type DroppedServerLinks = z.infer<typeof DroppedServerLinks>;

export const vaultImport = method({
  name: 'vault.import',
  summary:
    'Imports a vault export: all of it in one transaction, or nothing (wrong passphrase, damaged file, a secret breaking the rules). The importer is recorded as each secret’s author; links to unknown servers are dropped and listed.',
  input: z.strictObject({
    passphrase: AnyPassphrase,
    content: z
      .string()
      .min(1)
      .max(64 * 1024 * 1024),
  }),
  output: z.object({ imported: z.number().int(), skipped: z.number().int(), droppedServerLinks: z.array(DroppedServerLinks) }),
  permission: 'vault:admin',
  audit: { target: () => 'vault' },
  http: { method: 'POST', path: '/vault/import' },
});

export const authReauth = method({
  name: 'auth.reauth',
  summary: 'Proves it is still you (password, plus a one-time code when MFA is on) before a sensitive action.',
  input: z.strictObject({ password: z.string().min(1, 'Enter your password').max(256), code: z.string().trim().max(32).optional() }),
  output: z.object({ validUntil: z.number().int() }),
  permission: 'authenticated',
  audit: { target: () => 'user:self' },
  http: { method: 'POST', path: '/auth/reauth' },
});

export const secretsCopy = method({
  name: 'secrets.copy',
  summary:
    'Desktop app only: puts a secret’s value on the system clipboard without sending it to the page, and clears it after 30 s if it is still there. Same rules as reveal.',
  input: z.strictObject({ id: z.uuid('Not a secret id') }),
  output: z.object({ id: z.string(), clearsAt: z.number().int() }),
  permission: 'vault:reveal',
  audit: { target: (input) => `secret:${input.id}` },
  http: { method: 'POST', path: '/secrets/:id/copy' },
});

export const secretsChanged = changeEvent({
  name: 'secrets.changed',
  summary: 'Secrets were created, changed, deleted or imported (ids only, never a value; empty for an import).',
  changes: ['created', 'updated', 'deleted', 'imported'],
  permission: 'vault:read',
});

export const vaultChanged = changeEvent({
  name: 'vault.changed',
  summary: 'The vault was set up, unlocked, locked, rotated, or its key slots changed (ids: the slots touched, if any).',
  changes: ['initialized', 'unlocked', 'locked', 'slotAdded', 'slotRemoved', 'passphraseChanged', 'rotated'],
  permission: 'vault:read',
});
