import { sql } from 'drizzle-orm';
import { AppError, validationError, zodIssues } from '@shared/api/errors';
import { RUNBOOK_FILE_FORMAT, RunbookFile, RunbookSpec, type Runbook, type RunbookSpecInput, type RunbookVersion } from '@shared/api/runbooks';
import type { Clock } from '../clock';
import { read, jsonParam, unlessTaken, type AsyncDatabase, type Row } from '../db/engine';

/**
 * Runbooks on either engine (docs/operations.md): each change writes a new version beside the
 * old ones, so what any run ran can be read back as it was. Archiving hides a runbook and stops
 * it running; its versions stay.
 */

const RUNBOOK = sql.raw('r.id, r.name, r.version, r.archived_at, r.created_by, r.created_at, r.updated_by, r.updated_at, v.spec');

function specOf(row: Row): RunbookSpec {
  const parsed = RunbookSpec.safeParse(read.json(row, 'spec'));
  if (!parsed.success) {
    throw new AppError('INTERNAL', 'A stored runbook version does not read as a runbook.', {
      hint: 'The database may have been changed by hand or by another program; check its schema with guardian db check.',
      retryable: false,
    });
  }
  return parsed.data;
}

function toRunbook(row: Row): Runbook {
  return {
    ...specOf(row),
    id: read.text(row, 'id'),
    name: read.text(row, 'name'),
    version: read.number(row, 'version'),
    archivedAt: read.numberOrNull(row, 'archived_at'),
    createdBy: read.text(row, 'created_by'),
    createdAt: read.number(row, 'created_at'),
    updatedBy: read.text(row, 'updated_by'),
    updatedAt: read.number(row, 'updated_at'),
  };
}

const notFound = (ref: string) =>
  new AppError('NOT_FOUND', `There is no runbook "${ref.slice(0, 100)}".`, {
    hint: 'List runbooks (runbooks.list, guardian runbook list) to see their names.',
  });

const nameTaken = (name: string) =>
  new AppError('CONFLICT', `A runbook is already called "${name}".`, {
    hint: 'Names are unique in any case, archived runbooks included: choose another, or change that one (runbooks.update, which restores an archived one).',
    issues: [{ path: ['name'], message: 'Taken' }],
  });

/** A value with every object's keys in order, so two specs compare by what they say. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, item]) => [key, sorted(item)]),
  );
}
const same = (a: RunbookSpec, b: RunbookSpec) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

/** What a runbook says, without its bookkeeping: its current version's spec. */
export function specFrom(runbook: Runbook): RunbookSpec {
  const { id: _id, version: _version, archivedAt: _archived, createdBy: _cb, createdAt: _ca, updatedBy: _ub, updatedAt: _ua, ...spec } = runbook;
  return spec;
}

export class RunbookService {
  constructor(
    private readonly deps: {
      data: AsyncDatabase;
      clock: Clock;
      newId: () => string;
    },
  ) {}

  list(archived: boolean): Promise<Runbook[]> {
    return this.deps.data.all(
      sql`SELECT ${RUNBOOK} FROM runbooks r JOIN runbook_versions v ON v.runbook_id = r.id AND v.version = r.version
          WHERE ${archived ? sql`r.archived_at IS NOT NULL` : sql`r.archived_at IS NULL`} ORDER BY r.name_key`,
      toRunbook,
    );
  }

  /** A runbook by id or name (any case), archived or not. */
  async get(ref: string): Promise<Runbook> {
    const found = await this.deps.data.get(
      sql`SELECT ${RUNBOOK} FROM runbooks r JOIN runbook_versions v ON v.runbook_id = r.id AND v.version = r.version
          WHERE r.id = ${ref} OR r.name_key = ${ref.toLowerCase()} ORDER BY CASE WHEN r.id = ${ref} THEN 0 ELSE 1 END LIMIT 1`,
      toRunbook,
    );
    if (!found) throw notFound(ref);
    return found;
  }

  /** One version as it was written, for a run's re-run. */
  async version(id: string, version: number): Promise<RunbookSpec> {
    const spec = await this.deps.data.get(sql`SELECT spec FROM runbook_versions WHERE runbook_id = ${id} AND version = ${version}`, specOf);
    if (!spec) throw new AppError('NOT_FOUND', `Runbook ${id} has no version ${version}.`, { hint: 'runbooks.versions lists the versions kept.' });
    return spec;
  }

  async versions(ref: string, limit: number): Promise<RunbookVersion[]> {
    const { id } = await this.get(ref);
    return this.deps.data.all(
      sql`SELECT version, spec, created_by, created_at FROM runbook_versions WHERE runbook_id = ${id} ORDER BY version DESC LIMIT ${limit}`,
      (row) => ({
        version: read.number(row, 'version'),
        spec: specOf(row),
        createdBy: read.text(row, 'created_by'),
        createdAt: read.number(row, 'created_at'),
      }),
    );
  }

  async create(spec: RunbookSpec, by: string): Promise<Runbook> {
    const { data, clock, newId } = this.deps;
    const taken = await data.get(sql`SELECT id FROM runbooks WHERE name_key = ${spec.name.toLowerCase()}`, (row) => read.text(row, 'id'));
    if (taken) throw nameTaken(spec.name);
    const id = newId();
    const now = clock.now();
    await unlessTaken(
      data.run(sql`
        INSERT INTO runbooks (id, name, name_key, version, archived_at, created_by, created_at, updated_by, updated_at)
        VALUES (${id}, ${spec.name}, ${spec.name.toLowerCase()}, 1, NULL, ${by}, ${now}, ${by}, ${now})`),
      () => nameTaken(spec.name),
    );
    await this.writeVersion(id, 1, spec, by, now);
    return this.get(id);
  }

  /** The fields given over the current version, as a new version; restores an archived runbook. */
  async update(ref: string, patch: Partial<RunbookSpecInput>, by: string): Promise<Runbook> {
    const current = await this.get(ref);
    const merged = RunbookSpec.safeParse({ ...specFrom(current), ...patch });
    if (!merged.success) throw validationError(zodIssues(merged.error));
    return this.newVersion(current, merged.data, by);
  }

  private async newVersion(current: Runbook, spec: RunbookSpec, by: string): Promise<Runbook> {
    const { data, clock } = this.deps;
    if (spec.name.toLowerCase() !== current.name.toLowerCase()) {
      const taken = await data.get(sql`SELECT id FROM runbooks WHERE name_key = ${spec.name.toLowerCase()}`, (row) => read.text(row, 'id'));
      if (taken) throw nameTaken(spec.name);
    }
    const now = clock.now();
    const version = current.version + 1;
    await unlessTaken(
      data.run(sql`
        UPDATE runbooks SET name = ${spec.name}, name_key = ${spec.name.toLowerCase()}, version = ${version}, archived_at = NULL,
          updated_by = ${by}, updated_at = ${now}
        WHERE id = ${current.id}`),
      () => nameTaken(spec.name),
    );
    await this.writeVersion(current.id, version, spec, by, now);
    return this.get(current.id);
  }

  private async writeVersion(id: string, version: number, spec: RunbookSpec, by: string, at: number): Promise<void> {
    await this.deps.data.run(sql`
      INSERT INTO runbook_versions (runbook_id, version, spec, created_by, created_at)
      VALUES (${id}, ${version}, ${jsonParam(spec)}, ${by}, ${at})`);
  }

  async archive(ref: string, by: string): Promise<Runbook> {
    const current = await this.get(ref);
    if (current.archivedAt !== null) {
      throw new AppError('CONFLICT', `Runbook "${current.name}" is already archived.`, { hint: 'Updating it (runbooks.update) restores it.' });
    }
    const now = this.deps.clock.now();
    await this.deps.data.run(sql`UPDATE runbooks SET archived_at = ${now}, updated_by = ${by}, updated_at = ${now} WHERE id = ${current.id}`);
    return this.get(current.id);
  }

  /** The runbook's current version as a file runbooks.import reads. */
  async export(ref: string): Promise<{ fileName: string; content: string }> {
    const runbook = await this.get(ref);
    const file: RunbookFile = {
      format: RUNBOOK_FILE_FORMAT,
      version: runbook.version,
      exportedAt: new Date(this.deps.clock.now()).toISOString(),
      runbook: specFrom(runbook),
    };
    return { fileName: `${runbook.name}.runbook.json`, content: `${JSON.stringify(file, null, 2)}\n` };
  }

  /**
   * Reads a runbook file: a new name is created; a name that exists gets a new version when the
   * file says something else (never overwritten in place), and nothing when it says the same.
   */
  async import(content: string, by: string): Promise<{ runbook: Runbook; outcome: 'created' | 'new-version' | 'unchanged' }> {
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch {
      throw new AppError('VALIDATION_FAILED', 'The file is not JSON.', {
        hint: 'Import a file written by runbooks.export (guardian runbook export).',
        issues: [{ path: ['content'], message: 'Not JSON' }],
      });
    }
    const parsed = RunbookFile.safeParse(json);
    if (!parsed.success)
      throw validationError(
        zodIssues(parsed.error).map((issue) => ({ ...issue, path: ['content', ...issue.path] })),
        'The runbook file',
      );
    const spec = parsed.data.runbook;
    const existing = await this.deps.data.get(sql`SELECT id FROM runbooks WHERE name_key = ${spec.name.toLowerCase()}`, (row) => read.text(row, 'id'));
    if (!existing) return { runbook: await this.create(spec, by), outcome: 'created' };
    const current = await this.get(existing);
    if (current.archivedAt === null && same(specFrom(current), spec)) return { runbook: current, outcome: 'unchanged' };
    return { runbook: await this.newVersion(current, spec, by), outcome: 'new-version' };
  }
}
