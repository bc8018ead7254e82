import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Core } from '../app';
import { rowsOf } from './rows';

/** Somewhere a canary could have been written, as text. */
export interface Haystack {
  where: string;
  text: string;
}

/**
 * Everything a core has stored, as text, for the canary tests: every row of every table (on
 * either engine) and every file under its data folder (the database, its log). Only tests import
 * this module.
 */
export async function storedText(core: Core, dataDir: string): Promise<Haystack[]> {
  const rows = rowsOf(core);
  const tables = await rows.all<{ name: string }>(
    core.data.dialect === 'sqlite'
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
      : 'SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()',
  );
  const haystacks: Haystack[] = [];
  for (const { name } of tables) {
    haystacks.push({
      where: `table ${name}`,
      text: JSON.stringify(await rows.all(`SELECT * FROM "${name}"`), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
    });
  }
  for (const file of readdirSync(dataDir, { recursive: true, encoding: 'utf8' }).map((name) => join(dataDir, name))) {
    if (statSync(file).isFile()) haystacks.push({ where: file, text: readFileSync(file, 'latin1') });
  }
  return haystacks;
}
