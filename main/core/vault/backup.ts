import { z } from 'zod';
import { AppError } from '@shared/api/errors';
import { SecretInput, type DroppedServerLinks } from '@shared/api/vault';
import type { Clock } from '../clock';
import type { AsyncDatabase } from '../db/engine';
import type { ServerDirectory } from '../servers';
import { deriveKey, newScryptParams, open, scryptAccepted, seal, withKey, type ScryptCost } from './crypto';
import type { Keyring } from './keyring';
import { inspectSshKey, openSecretRow, secretAad } from './secrets';
import type { VaultService } from './service';
import type { VaultStore } from './store';
import type { SecretRow } from './table';

const FORMAT = 'guardian-vault-export';
const AAD = `${FORMAT}:1`;

const ExportFile = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  kdf: z.object({ alg: z.literal('scrypt'), N: z.number().int(), r: z.number().int(), p: z.number().int(), salt: z.string().min(8) }),
  sealed: z.string().min(1),
});

/** A record as the file carries it: checked loosely here, then field by field with the contract's own input rules. */
const ExportedSecret = z.looseObject({
  id: z.uuid(),
  kind: z.string(),
  name: z.unknown(),
  tags: z.unknown(),
  serverIds: z.unknown(),
  username: z.unknown(),
  value: z.unknown(),
});
const ExportBody = z.object({ exportedAt: z.number().int(), secrets: z.array(z.unknown()).max(100_000) });

export interface BackupDeps {
  store: VaultStore;
  /** Where an import runs, as one transaction. */
  data: Pick<AsyncDatabase, 'transaction'>;
  /** Which linked servers exist here. */
  directory: Pick<ServerDirectory, 'existing'>;
  clock: Clock;
  keyring: Keyring;
  vault: VaultService;
  /** The scrypt cost exports are written with, and the only one (give or take a step) imports are opened with. */
  scryptCost: ScryptCost;
}

const damaged = (detail: string) =>
  new AppError('VALIDATION_FAILED', `This is not a readable Guardian vault export (${detail}).`, {
    hint: 'Choose the .gvault file Guardian wrote, unchanged.',
  });

/** Every secret, with its value, sealed under a key derived from a passphrase chosen at export. */
export async function exportVault(deps: BackupDeps, passphrase: string) {
  deps.keyring.requireKek();
  const rows = await deps.store.secrets();
  const secrets = [];
  for (const row of rows) {
    secrets.push({
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
      value: openSecretRow(await deps.vault.dek(row.keyGeneration), row),
    });
  }
  const params = newScryptParams(deps.scryptCost);
  const plain = Buffer.from(JSON.stringify({ exportedAt: deps.clock.now(), secrets }), 'utf8');
  const sealed = await withKey(deriveKey(passphrase, params), (key) => seal(key, plain, AAD).toString('base64')).finally(() => plain.fill(0));
  const file = { format: FORMAT, version: 1, kdf: { alg: 'scrypt', ...params }, sealed };
  const stamp = new Date(deps.clock.now()).toISOString().slice(0, 10);
  return { fileName: `guardian-vault-${stamp}.gvault`, count: secrets.length, content: `${JSON.stringify(file)}\n` };
}

function readHeader(content: string, scryptCost: ScryptCost): z.infer<typeof ExportFile> {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw damaged('it is not JSON');
  }
  const parsed = ExportFile.safeParse(json);
  if (!parsed.success) throw damaged('its header is not a vault export');
  // Before any derivation: a file must not choose how much memory and CPU its import costs.
  if (!scryptAccepted(parsed.data.kdf, scryptCost)) throw damaged('its header asks for a key derivation cost Guardian never writes');
  return parsed.data;
}

async function openBody(file: z.infer<typeof ExportFile>, passphrase: string): Promise<unknown[]> {
  const plain = await withKey(deriveKey(passphrase, file.kdf), (key) => {
    try {
      return open(key, Buffer.from(file.sealed, 'base64'), AAD);
    } catch {
      throw new AppError('VAULT_BAD_PASSPHRASE', 'The passphrase is wrong, or the file was damaged; nothing was imported.', {
        hint: 'Enter the passphrase chosen when the export was made.',
      });
    }
  });
  try {
    const body = ExportBody.safeParse(JSON.parse(plain.toString('utf8')));
    if (!body.success) throw damaged('its contents are not a list of secrets');
    return body.data.secrets;
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw damaged('its contents are not JSON');
  } finally {
    plain.fill(0);
  }
}

/** One imported secret, checked as if it were typed into secrets.create. */
interface Incoming {
  id: string;
  fields: z.infer<typeof SecretInput>;
  /** An SSH key's public half and fingerprint, read from the key itself. */
  ssh: { publicKey: string; fingerprint: string } | null;
}

function refusedRecord(index: number, what: string, issues: { path: (string | number)[]; message: string }[]): AppError {
  return new AppError('VALIDATION_FAILED', `Secret ${index + 1} in the file ${what}; nothing was imported.`, {
    hint: 'Import only files Guardian exported, unchanged; fix or remove that secret in the source vault and export again.',
    issues: issues.map((issue) => ({ path: ['secrets', index, ...issue.path], message: issue.message })),
  });
}

/** Each record through the contract's own rules (names, tags, values), or the whole file refused. */
async function checkRecords(records: unknown[]): Promise<Incoming[]> {
  const checked: Incoming[] = [];
  for (const [index, record] of records.entries()) {
    const meta = ExportedSecret.safeParse(record);
    if (!meta.success) throw refusedRecord(index, 'has no valid id', [{ path: ['id'], message: 'Not a secret id' }]);
    const { id, kind, name, tags, serverIds, username, value } = meta.data;
    const fields = SecretInput.safeParse({ name, tags, serverIds, username, value });
    if (!fields.success) {
      throw refusedRecord(
        index,
        'breaks the rules secrets follow',
        fields.error.issues.map((issue) => ({ path: issue.path.filter((part) => typeof part !== 'symbol'), message: issue.message })),
      );
    }
    if (fields.data.value.kind !== kind) {
      throw refusedRecord(index, `says it is a ${kind} but holds a ${fields.data.value.kind}`, [{ path: ['kind'], message: 'Differs from the value’s kind' }]);
    }
    const { value: secret } = fields.data;
    let ssh: Incoming['ssh'] = null;
    if (secret.kind === 'ssh_key') {
      try {
        ssh = await inspectSshKey(secret.privateKey, secret.passphrase);
      } catch {
        throw refusedRecord(index, 'holds an SSH key Guardian cannot read', [{ path: ['value', 'privateKey'], message: 'Not a readable private key' }]);
      }
    }
    checked.push({ id, fields: fields.data, ssh });
  }
  return checked;
}

/**
 * All of an export in one transaction, or nothing. Secrets already here (same id) are skipped.
 * Nothing the file says about who made a secret, or what its public key is, is believed: the
 * importer is its author, and an SSH key's public half is read from the key. Links to servers
 * this Guardian does not have are dropped, and listed in the answer.
 */
export async function importVault(deps: BackupDeps, passphrase: string, content: string, actor: string) {
  deps.keyring.requireKek();
  const file = readHeader(content, deps.scryptCost);
  const incoming = await checkRecords(await openBody(file, passphrase));
  return deps.data.transaction(async () => {
    let imported = 0;
    let skipped = 0;
    const dropped: DroppedServerLinks[] = [];
    const { generation, dek } = await deps.vault.sealingKey();
    const now = deps.clock.now();
    const linked = [...new Set(incoming.flatMap(({ fields }) => fields.serverIds))];
    const known = await deps.directory.existing(linked);
    for (const { id, fields, ssh } of incoming) {
      const plain = Buffer.from(JSON.stringify(fields.value), 'utf8');
      const row: SecretRow = {
        id,
        kind: fields.value.kind,
        name: fields.name,
        tags: fields.tags,
        serverIds: fields.serverIds.filter((serverId) => known.has(serverId)),
        username: fields.username,
        publicKey: ssh?.publicKey ?? null,
        fingerprint: ssh?.fingerprint ?? null,
        sealed: seal(dek, plain, secretAad(id, fields.value.kind)).toString('base64'),
        keyGeneration: generation,
        createdAt: now,
        createdBy: actor,
        updatedAt: now,
        updatedBy: actor,
        lastUsedAt: null,
        lastUsedBy: null,
      };
      plain.fill(0);
      // A secret already here (same id), even one another process wrote a moment ago, is skipped.
      if (!(await deps.store.insertNewSecret(row))) {
        skipped++;
        continue;
      }
      const unknown = fields.serverIds.filter((serverId) => !known.has(serverId));
      if (unknown.length > 0) dropped.push({ secretId: id, name: fields.name, serverIds: unknown });
      imported++;
    }
    return { imported, skipped, droppedServerLinks: dropped };
  });
}
