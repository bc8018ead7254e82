import { AppError, describeIssues, zodIssues } from '@shared/api/errors';
import type { CheckSpec } from '@shared/api/checks';
import { ServerCreateInput, type IMPORT_FORMATS, type ImportSummary, type Server } from '@shared/api/servers';
import { defaultCheckSpec } from '../health';
import type { AsyncDatabase } from '../db/engine';
import type { EventBus } from '../events/bus';
import type { JobContext } from '../jobs';
import { DEPENDS_ON_FIELD, JUMP_HOST_FIELD, parseImportFile } from './import-parse';
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
  /** Rows that name a jump host or a server they depend on (or none), linked once every row is in: it may come later in the file. */
  const links: Link[] = [];
  const writeBatch = (batch: typeof parsed.rows) =>
    deps.data.transaction(async () => {
      for (const row of batch) {
        const name = typeof row.fields.name === 'string' ? row.fields.name.trim() : null;
        const { [JUMP_HOST_FIELD]: jumpHost, [DEPENDS_ON_FIELD]: dependsOn, ...rest } = row.fields;
        // Ids differ between installations: a file names its jump host and the server it depends on.
        const notAName = (value: unknown) => value !== undefined && value !== null && typeof value !== 'string';
        if ('jumpHostId' in rest || notAName(jumpHost)) {
          summary.rejected.push({ line: row.line, name, reason: 'jumpHost: the name of a server, or null to connect directly' });
          continue;
        }
        if ('dependsOnId' in rest || notAName(dependsOn)) {
          summary.rejected.push({ line: row.line, name, reason: 'dependsOn: the name of a server, or null for none' });
          continue;
        }
        // Lending Guardian's SSH agent is turned on in Guardian by a role that may run commands, never by a file.
        if ('agentForwarding' in rest) {
          summary.rejected.push({ line: row.line, name, reason: 'agentForwarding: a file cannot turn agent forwarding on; set it on the server in Guardian' });
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
        // Without the contract's default links (none): the link pass below sets what the row says, else the server keeps its own.
        const { monitor, jumpHostId: _noJump, dependsOnId: _noParent, agentForwarding: _never, ...fields } = result.data;
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
        if (jumpHost !== undefined || dependsOn !== undefined)
          links.push({
            line: row.line,
            id,
            name: fields.name,
            outcome,
            jumpHost: jumpHost as string | null | undefined,
            dependsOn: dependsOn as string | null | undefined,
          });
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
  if (!job.signal.aborted && links.length > 0) await deps.data.transaction(() => linkServers(deps.servers, links, summary));
  summary.rejected.sort((a, b) => a.line - b.line);
  if (summary.created + summary.updated > 0) deps.events.emit('servers.changed', { change: 'imported', ids: [] });
  return summary;
}

/** A row's links to other servers, by name: each null for none, undefined to keep what the server has. */
interface Link {
  line: number;
  id: string;
  name: string;
  outcome: 'created' | 'updated' | 'unchanged';
  jumpHost: string | null | undefined;
  dependsOn: string | null | undefined;
}

/**
 * Sets the jump hosts and the servers depended on that the rows name, by name, once every row is
 * written, through the service's own checks (a loop, a chain too long): a link refused is a
 * rejected line, its server kept as written.
 */
async function linkServers(servers: ServerService, links: readonly Link[], summary: ImportSummary): Promise<void> {
  for (const { line, id, name, outcome, jumpHost, dependsOn } of links) {
    const idOf = async (other: string | null | undefined, what: string, hint: string): Promise<string | null | undefined> => {
      if (other === undefined || other === null) return other;
      const found = await servers.findByName(other);
      if (!found) throw new AppError('NOT_FOUND', `Its ${what} "${other}" is not a server:`, { hint });
      return found.id;
    };
    try {
      const jumpHostId = await idOf(jumpHost, 'jump host', 'add it (a Host entry, a row) or connect directly');
      const dependsOnId = await idOf(dependsOn, 'server to depend on', 'add it (a row) or say none');
      const current = await servers.get(id);
      const patch = {
        ...(jumpHostId === undefined || jumpHostId === current.jumpHostId ? {} : { jumpHostId }),
        ...(dependsOnId === undefined || dependsOnId === current.dependsOnId ? {} : { dependsOnId }),
      };
      if (Object.keys(patch).length === 0) continue;
      await servers.update({ id, ...patch });
    } catch (cause) {
      if (!(cause instanceof AppError)) throw cause;
      summary.rejected.push({ line, name, reason: `${cause.message} ${cause.hint}` });
      continue;
    }
    // A server the file left as it was but for its links is updated, not unchanged.
    if (outcome === 'unchanged') {
      summary.unchanged--;
      summary.updated++;
    }
  }
}
