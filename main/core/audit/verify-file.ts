import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { AuditEvent } from '@shared/api/audit';
import { AppError } from '@shared/api/errors';
import { canonicalDetails, hashEvent } from './chain';

export interface FileVerdict {
  events: number;
  /** The first line's previous hash: genesis (64 zeros), a checkpoint, or the event before the export. */
  anchor: string | null;
  headSeq: number;
  headHash: string;
  /** Sequence numbers skipped between lines: a filtered export; its events still verify one by one. */
  gaps: number;
  broken: { line: number; seq: number; message: string } | null;
}

function notAnEvent(number: number, path: string, why: string): AppError {
  return new AppError('VALIDATION_FAILED', `Line ${number} of ${path} is not an audit event: ${why}.`, {
    hint: 'Verify a JSON Lines file made by "guardian audit export --format jsonl" (or the Audit page).',
  });
}

/** The event a line holds; VALIDATION_FAILED naming the line when it holds none. */
function eventOn(line: string, number: number, path: string): AuditEvent {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    throw notAnEvent(number, path, 'it is not JSON');
  }
  const parsed = AuditEvent.safeParse(json);
  if (!parsed.success) {
    throw notAnEvent(number, path, `wrong or missing: ${parsed.error.issues.map((issue) => issue.path.join('.') || 'the whole line').join(', ')}`);
  }
  return parsed.data;
}

/**
 * Verifies a JSON Lines export on its own, without the database. Every event's hash must be
 * SHA-256 over its `prevHash` and its canonical JSON; where two lines follow one another by
 * sequence, the second's `prevHash` must be the first's hash. A time-range or whole export is
 * one unbroken chain; a filtered one has gaps, and each of its events is still checked.
 */
export async function verifyJsonLines(path: string): Promise<FileVerdict> {
  try {
    return await walkLines(path);
  } catch (error) {
    if (error instanceof AppError) throw error;
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new AppError(missing ? 'NOT_FOUND' : 'VALIDATION_FAILED', missing ? `There is no file at ${path}.` : `${path} could not be read as a file.`, {
      hint: 'Give the path of a JSON Lines export ("guardian audit export --format jsonl", or the Audit page).',
    });
  }
}

async function walkLines(path: string): Promise<FileVerdict> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  const verdict: FileVerdict = { events: 0, anchor: null, headSeq: 0, headHash: '', gaps: 0, broken: null };
  let previous: { seq: number; hash: string } | null = null;
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (line.trim() === '') continue;
    const event = eventOn(line, number, path);
    verdict.anchor ??= event.prevHash;
    const fail = (message: string) => (verdict.broken = { line: number, seq: event.seq, message });
    if (previous && event.seq <= previous.seq) {
      fail(`event ${event.seq} comes after event ${previous.seq}: lines were reordered`);
      break;
    }
    if (previous && event.seq === previous.seq + 1 && event.prevHash !== previous.hash) {
      fail(`event ${event.seq} does not follow event ${previous.seq}: its previous hash is not that event's hash`);
      break;
    }
    if (previous && event.seq > previous.seq + 1) verdict.gaps += 1;
    if (hashEvent(event.prevHash, { ...event, details: canonicalDetails(event.details) }) !== event.hash) {
      fail(`event ${event.seq} was edited: its content no longer matches its hash`);
      break;
    }
    previous = { seq: event.seq, hash: event.hash };
    verdict.events += 1;
    verdict.headSeq = event.seq;
    verdict.headHash = event.hash;
  }
  return verdict;
}
