import type { Database } from 'better-sqlite3';
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

/** Removes credentials from every stored http check, in one transaction; answers the checks changed. */
export function stripStoredCredentials(sqlite: Database): StrippedCheck[] {
  const rows = sqlite
    .prepare<[], { seq: number; id: string; name: string; config: string }>(`SELECT seq, id, name, config FROM checks WHERE type = 'http'`)
    .all();
  const update = sqlite.prepare('UPDATE checks SET config = ? WHERE seq = ?');
  const stripped: StrippedCheck[] = [];
  // The old values are overwritten in the file, not only unlinked from it.
  const secureDelete = sqlite.pragma('secure_delete', { simple: true }) as number;
  sqlite.pragma('secure_delete = ON');
  sqlite.transaction(() => {
    for (const row of rows) {
      const { config, removed } = withoutStoredCredentials(JSON.parse(row.config) as Record<string, unknown>);
      if (removed.length === 0) continue;
      update.run(JSON.stringify(config), row.seq);
      stripped.push({ id: row.id, name: row.name, removed });
    }
  })();
  sqlite.pragma(`secure_delete = ${secureDelete ? 'ON' : 'OFF'}`);
  // And the WAL's copies of the pages that held them are folded in and cut off.
  if (stripped.length > 0) sqlite.pragma('wal_checkpoint(TRUNCATE)');
  return stripped;
}
