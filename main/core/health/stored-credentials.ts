import type { Database } from 'better-sqlite3';
import type { AsyncDatabase } from '../db/engine';
import type { CheckConfigStore } from './store/checks';
import { CREDENTIAL_HEADER, CREDENTIAL_VALUE } from '@shared/health/http';

/**
 * HTTP checks saved before credentials had to come from the vault may hold them in clear: an
 * Authorization (or cookie, API key, token…) header, or a user name and password in the URL.
 * They cannot be moved into the vault (it may be locked, or not set up), so they are removed from
 * the stored check once, when the database is opened: no list, export, audit event or later copy
 * of the file carries them. The check then runs without them, and whoever owns it sets its
 * Authentication from the vault.
 */

export interface StrippedCheck {
  id: string;
  name: string;
  /** What was removed: header names, and "URL user info". */
  removed: string[];
}

/** The config without credentials, and what was removed (nothing: the same object). */
export function withoutStoredCredentials(config: Record<string, unknown>): { config: Record<string, unknown>; removed: string[] } {
  const removed: string[] = [];
  const next = { ...config };
  if (next.headers && typeof next.headers === 'object') {
    const headers = Object.fromEntries(
      Object.entries(next.headers as Record<string, unknown>).filter(([name, value]) => {
        const credential = CREDENTIAL_HEADER.test(name) || (typeof value === 'string' && CREDENTIAL_VALUE.test(value));
        if (credential) removed.push(name);
        return !credential;
      }),
    );
    next.headers = headers;
  }
  if (typeof next.url === 'string') {
    try {
      const url = new URL(next.url);
      if (url.username !== '' || url.password !== '') {
        url.username = '';
        url.password = '';
        next.url = url.href;
        removed.push('URL user info');
      }
    } catch {
      // Not a URL Guardian could run anyway; nothing to take out.
    }
  }
  return removed.length > 0 ? { config: next, removed } : { config, removed };
}

/**
 * Removes credentials from every stored http check, in one transaction; answers the checks changed.
 * On SQLite the old values are also wiped from the file (`sqliteFile`, its connection): overwritten
 * where they stood, and the WAL's copies folded in and cut off. The async layer has no way to run
 * a checkpoint outside a transaction, so that one step still uses the connection.
 */
export async function stripStoredCredentials(
  data: Pick<AsyncDatabase, 'transaction'>,
  store: CheckConfigStore,
  sqliteFile?: Database,
): Promise<StrippedCheck[]> {
  const secureDelete = sqliteFile?.pragma('secure_delete', { simple: true });
  // The old values are overwritten in the file, not only unlinked from it.
  sqliteFile?.pragma('secure_delete = ON');
  try {
    const stripped = await data.transaction(async () => {
      const changed: StrippedCheck[] = [];
      for (const check of await store.checksOfType('http')) {
        const { config, removed } = withoutStoredCredentials(check.config);
        if (removed.length === 0) continue;
        await store.setConfig(check.seq, config);
        changed.push({ id: check.id, name: check.name, removed });
      }
      return changed;
    });
    // And the WAL's copies of the pages that held them are folded in and cut off.
    if (stripped.length > 0) sqliteFile?.pragma('wal_checkpoint(TRUNCATE)');
    return stripped;
  } finally {
    sqliteFile?.pragma(`secure_delete = ${secureDelete ? 'ON' : 'OFF'}`);
  }
}
