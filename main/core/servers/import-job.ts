import { AppError, describeIssues, zodIssues } from '@shared/api/errors';
import type { CheckSpec } from '@shared/api/checks';
import { ServerCreateInput, type IMPORT_FORMATS, type ImportSummary, type Server } from '@shared/api/servers';
import { defaultCheckSpec } from '../health';
import type { AsyncDatabase } from '../db/engine';
import type { EventBus } from '../events/bus';
import type { JobContext } from '../jobs';
import { JUMP_HOST_FIELD, parseImportFile } from './import-parse';
import type { ServerService } from './service';

/** Rows per transaction: small enough to keep the event loop responsive, large enough to be fast. */
export const IMPORT_BATCH = 250;

/** The health engine's side of a new server's default check (docs/architecture.md §7). */
export interface DefaultChecks {
  /** Throws when a check with this spec could not be saved (a cloud metadata address). */
  assertAllowed(spec: CheckSpec): Promise<void>;
  /** Adds the check, inside the transaction that wrote the server. */
  add(server: Server, spec: CheckSpec): Promise<{ id: string; name: string }>;
}

export interface ImportDeps {
  /** Each batch is one transaction of its own. */
  data: Pick<AsyncDatabase, 'transaction'>;
  servers: ServerService;
  events: EventBus;
  checks: DefaultChecks;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Validates every row and upserts the good ones by name, one transaction per batch, so a crash
 * leaves whole batches or nothing and a second run of the same file changes nothing.
 */
export async function runImport(
  deps: ImportDeps,
  format: (typeof IMPORT_FORMATS)[number],
  content: string,
  job: JobContext,
  options: { monitor: boolean } = { monitor: true },
): Promise<ImportSummary> {
  const parsed = parseImportFile(format, content);
  const summary: ImportSummary = {
    kind: 'servers.import',
    rows: parsed.rows.length + parsed.rejected.length,
    created: 0,
    updated: 0,
    unchanged: 0,
    checks: 0,
    rejected: [...parsed.rejected],
  };
  const firstLineOfName = new Map<string, number>();
  /** Rows that name a jump host (or none), linked once every row is in: a jump host may come later in the file. */
  const jumps: { line: number; id: string; name: string; jumpHost: string | null; outcome: 'created' | 'updated' | 'unchanged' }[] = [];
  const writeBatch = (batch: typeof parsed.rows) =>
    deps.data.transaction(async () => {
      for (const row of batch) {
        const name = typeof row.fields.name === 'string' ? row.fields.name.trim() : null;
        const { [JUMP_HOST_FIELD]: jumpHost, ...rest } = row.fields;
        // Ids differ between installations: a file names its jump host.
        if ('jumpHostId' in rest || (jumpHost !== undefined && jumpHost !== null && typeof jumpHost !== 'string')) {
          summary.rejected.push({ line: row.line, name, reason: 'jumpHost: the name of a server, or null to connect directly' });
          continue;
        }
        const result = ServerCreateInput.safeParse(rest);
        if (!result.success) {
          summary.rejected.push({ line: row.line, name, reason: describeIssues(zodIssues(result.error)) });
          continue;
        }
        const key = result.data.name.toLowerCase();
        const earlier = firstLineOfName.get(key);
        if (earlier !== undefined) {
          summary.rejected.push({
            line: row.line,
            name,
            reason: `The name "${result.data.name}" is already used on line ${earlier} of this file`,
          });
          continue;
        }
        firstLineOfName.set(key, row.line);
        // Without the contract's default jump host (none): the link pass below sets what the row says, else the server keeps its own.
        const { monitor, jumpHostId: _none, ...fields } = result.data;
        // Only a server this import creates gets a check: one updated keeps the checks it has.
        const spec = options.monitor && !(await deps.servers.findByName(fields.name)) ? defaultCheckSpec(fields, monitor) : null;
        if (spec) {
          try {
            await deps.checks.assertAllowed(spec);
          } catch (cause) {
            if (!(cause instanceof AppError)) throw cause;
            summary.rejected.push({ line: row.line, name, reason: `${cause.message} ${cause.hint}` });
            continue;
          }
        }
        const { outcome, id } = await deps.servers.upsertByName(fields);
        summary[outcome]++;
        if (jumpHost !== undefined) jumps.push({ line: row.line, id, name: fields.name, jumpHost, outcome });
        if (spec && outcome === 'created') {
          await deps.checks.add(await deps.servers.get(id), spec);
          summary.checks++;
        }
      }
    });

  job.progress(0, parsed.rows.length);
  for (let start = 0; start < parsed.rows.length; start += IMPORT_BATCH) {
    if (job.signal.aborted) break;
    const batch = parsed.rows.slice(start, start + IMPORT_BATCH);
    await writeBatch(batch);
    job.progress(Math.min(start + IMPORT_BATCH, parsed.rows.length), parsed.rows.length);
    await yieldToEventLoop();
  }
  if (!job.signal.aborted && jumps.length > 0) await deps.data.transaction(() => linkJumpHosts(deps.servers, jumps, summary));
  summary.rejected.sort((a, b) => a.line - b.line);
  if (summary.created + summary.updated > 0) deps.events.emit('servers.changed', { change: 'imported', ids: [] });
  return summary;
}

/**
 * Sets the jump hosts the rows name, by name, once every row is written, through the service's own
 * checks (a loop, a chain too long): a link refused is a rejected line, its server kept as written.
 */
async function linkJumpHosts(
  servers: ServerService,
  jumps: readonly { line: number; id: string; name: string; jumpHost: string | null; outcome: 'created' | 'updated' | 'unchanged' }[],
  summary: ImportSummary,
): Promise<void> {
  for (const { line, id, name, jumpHost, outcome } of jumps) {
    const jump = jumpHost === null ? null : await servers.findByName(jumpHost);
    if (jump === undefined) {
      summary.rejected.push({ line, name, reason: `Its jump host "${jumpHost}" is not a server: add it (a Host entry, a row) or connect directly` });
      continue;
    }
    const jumpHostId = jump?.id ?? null;
    if ((await servers.get(id)).jumpHostId === jumpHostId) continue;
    try {
      await servers.update({ id, jumpHostId });
    } catch (cause) {
      if (!(cause instanceof AppError)) throw cause;
      summary.rejected.push({ line, name, reason: `${cause.message} ${cause.hint}` });
      continue;
    }
    // A server the file left as it was but for its jump host is updated, not unchanged.
    if (outcome === 'unchanged') {
      summary.unchanged--;
      summary.updated++;
    }
  }
}
