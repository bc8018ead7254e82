import type Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { AppError } from '../../../shared/api/errors';
import { SECRET_KINDS, SecretValue } from '../../../shared/api/vault';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import { DEFAULT_SCRYPT, deriveKey, newScryptParams, open, seal } from './crypto';
import type { Keyring } from './keyring';
import { openSecretRow, secretAad } from './secrets';
import type { VaultService } from './service';
import { secretsTable, type SecretRow } from './table';

const FORMAT = 'guardian-vault-export';
const AAD = `${FORMAT}:1`;

const ExportFile = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  kdf: z
    .object({ alg: z.literal('scrypt'), N: z.number().int().min(2 ** 14).max(2 ** 20), r: z.number().int().min(1).max(32), p: z.number().int().min(1).max(16), salt: z.string().min(8) })
    // Each bound alone still lets a file ask for 4 GiB and minutes of CPU (N 2^20, r 32, p 16).
    .refine(({ N, r, p }) => 128 * N * r <= 256 * 2 ** 20 && N * r * p <= 2 ** 22),
  sealed: z.string().min(1),
});

const ExportedSecret = z.object({
  id: z.uuid(),
  kind: z.enum(SECRET_KINDS),
  name: z.string().min(1).max(100),
  tags: z.array(z.string().max(32)).max(32),
  serverIds: z.array(z.string()).max(1000),
  username: z.string().max(200).nullable(),
  publicKey: z.string().nullable(),
  fingerprint: z.string().nullable(),
  createdAt: z.number().int(),
  createdBy: z.string(),
  value: SecretValue,
});
const ExportBody = z.object({ exportedAt: z.number().int(), secrets: z.array(ExportedSecret) });

export interface BackupDeps {
  db: Db;
  sqlite: Database.Database;
  clock: Clock;
  keyring: Keyring;
  vault: VaultService;
  scryptCost?: { N: number; r: number; p: number } | undefined;
}

const damaged = (detail: string) =>
  new AppError('VALIDATION_FAILED', `This is not a readable Guardian vault export (${detail}).`, {
    hint: 'Choose the .gvault file Guardian wrote, unchanged.',
  });

/** Every secret, with its value, sealed under a key derived from a passphrase chosen at export. */
export async function exportVault(deps: BackupDeps, passphrase: string) {
  deps.keyring.requireKek();
  const rows = deps.db.select().from(secretsTable).all();
  const secrets = rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    name: row.name,
    tags: row.tags,
    serverIds: row.serverIds,
    username: row.username,
    publicKey: row.publicKey,
    fingerprint: row.fingerprint,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    value: openSecretRow(deps.keyring, row),
  }));
  const params = newScryptParams(deps.scryptCost ?? DEFAULT_SCRYPT);
  const key = await deriveKey(passphrase, params);
  const plain = Buffer.from(JSON.stringify({ exportedAt: deps.clock.now(), secrets }), 'utf8');
  const sealed = seal(key, plain, AAD).toString('base64');
  plain.fill(0);
  const file = { format: FORMAT, version: 1, kdf: { alg: 'scrypt', ...params }, sealed };
  const stamp = new Date(deps.clock.now()).toISOString().slice(0, 10);
  return { fileName: `guardian-vault-${stamp}.gvault`, count: secrets.length, content: `${JSON.stringify(file)}\n` };
}

/** All of an export in one transaction, or nothing. Secrets already here (same id) are skipped. */
export async function importVault(deps: BackupDeps, passphrase: string, content: string, actor: string) {
  deps.keyring.requireKek();
  let file: z.infer<typeof ExportFile>;
  try {
    const parsed = ExportFile.safeParse(JSON.parse(content));
    if (!parsed.success) throw damaged('its header is not a vault export');
    file = parsed.data;
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw damaged('it is not JSON');
  }
  const key = await deriveKey(passphrase, file.kdf);
  let body: z.infer<typeof ExportBody>;
  try {
    const plain = open(key, Buffer.from(file.sealed, 'base64'), AAD);
    body = ExportBody.parse(JSON.parse(plain.toString('utf8')));
    plain.fill(0);
  } catch {
    throw new AppError('VAULT_BAD_PASSPHRASE', 'The passphrase is wrong, or the file was damaged; nothing was imported.', {
      hint: 'Enter the passphrase chosen when the export was made.',
    });
  }
  const generation = deps.vault.currentGeneration();
  const dek = deps.keyring.requireDek(generation);
  const now = deps.clock.now();
  let imported = 0;
  let skipped = 0;
  deps.sqlite.transaction(() => {
    for (const secret of body.secrets) {
      if (deps.db.select({ id: secretsTable.id }).from(secretsTable).where(eq(secretsTable.id, secret.id)).get()) {
        skipped++;
        continue;
      }
      const { value, ...meta } = secret;
      const row: SecretRow = {
        ...meta,
        sealed: seal(dek, Buffer.from(JSON.stringify(value), 'utf8'), secretAad(secret.id, secret.kind)).toString('base64'),
        keyGeneration: generation,
        updatedAt: now,
        updatedBy: actor,
        lastUsedAt: null,
        lastUsedBy: null,
      };
      deps.db.insert(secretsTable).values(row).run();
      imported++;
    }
  })();
  return { imported, skipped };
}
