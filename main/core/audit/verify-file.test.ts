import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '@shared/api/audit';
import { AppError } from '@shared/api/errors';
import { canonicalDetails, GENESIS, hashEvent } from './chain';
import { verifyJsonLines } from './verify-file';

/**
 * `guardian audit verify --file export.jsonl`: an export checked on its own, without the
 * database, by an auditor who received only the file. audit.test.ts exports a real log and
 * verifies it; here each kind of damage to the file is named at its line.
 */

const folder = mkdtempSync(join(tmpdir(), 'guardian-verify-file-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let files = 0;
function fileOf(lines: string[], ending = '\n'): string {
  const path = join(folder, `export-${++files}.jsonl`);
  writeFileSync(path, lines.join(ending) + ending);
  return path;
}

/** Events 1..count as `audit export --format jsonl` writes them, each linked to the one before. */
function exported(count: number): AuditEvent[] {
  const events: AuditEvent[] = [];
  let prevHash = GENESIS;
  for (let seq = 1; seq <= count; seq++) {
    const event = {
      seq,
      at: 1_767_225_600_000 + seq,
      actor: 'user:alice-1',
      actorName: 'alice',
      origin: 'cli',
      action: 'servers.create',
      target: `server:${seq}`,
      outcome: 'ok',
      correlationId: `corr-${seq}`,
      details: { name: `web-${seq}`, tags: ['a', 'b'] },
    };
    const hash = hashEvent(prevHash, { ...event, details: canonicalDetails(event.details) });
    events.push({ ...event, prevHash, hash });
    prevHash = hash;
  }
  return events;
}

const line = (event: AuditEvent | undefined) => JSON.stringify(event);
const lines = (events: (AuditEvent | undefined)[]) => events.map(line);

async function refusal(path: string): Promise<AppError> {
  const error = await verifyJsonLines(path).then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe('an export that verifies', () => {
  it('a whole log: one unbroken chain from genesis, its head the last event', async () => {
    const events = exported(5);
    const verdict = await verifyJsonLines(fileOf(lines(events)));
    expect(verdict).toEqual({ events: 5, anchor: GENESIS, headSeq: 5, headHash: events[4]?.hash, gaps: 0, broken: null });
  });

  it('a time range: starts at the event before it, whose hash is the first previous hash', async () => {
    const events = exported(8);
    const verdict = await verifyJsonLines(fileOf(lines(events.slice(3))));
    expect(verdict).toMatchObject({ events: 5, anchor: events[2]?.hash, headSeq: 8, gaps: 0, broken: null });
  });

  it('a filtered export: each event verifies on its own and the skipped numbers are counted as gaps', async () => {
    const events = exported(9);
    const verdict = await verifyJsonLines(fileOf(lines([events[0], events[2], events[3], events[8]])));
    expect(verdict).toMatchObject({ events: 4, anchor: GENESIS, headSeq: 9, headHash: events[8]?.hash, gaps: 2, broken: null });
  });

  it('written on Windows (CRLF) or with blank lines between events', async () => {
    const events = exported(3);
    const verdict = await verifyJsonLines(fileOf([line(events[0]), '', '   ', line(events[1]), line(events[2])], '\r\n'));
    expect(verdict).toMatchObject({ events: 3, headSeq: 3, broken: null });
  });

  it('an empty file: nothing to verify and nothing broken', async () => {
    const path = join(folder, 'empty.jsonl');
    writeFileSync(path, '');
    expect(await verifyJsonLines(path)).toEqual({ events: 0, anchor: null, headSeq: 0, headHash: '', gaps: 0, broken: null });
  });
});

describe('a damaged export names the first broken line', () => {
  it('an edited event', async () => {
    const events = exported(5);
    const text = lines(events);
    text[3] = text[3]?.replace('"origin":"cli"', '"origin":"ipc"') ?? '';
    const verdict = await verifyJsonLines(fileOf(text));
    expect(verdict.broken).toEqual({ line: 4, seq: 4, message: 'event 4 was edited: its content no longer matches its hash' });
    expect(verdict).toMatchObject({ events: 3, headSeq: 3, headHash: events[2]?.hash });
  });

  it('edited details, even when their keys are written in another order', async () => {
    const events = exported(3);
    const reordered = { ...events[1], details: { tags: ['a', 'b'], name: 'web-2' } };
    expect((await verifyJsonLines(fileOf([line(events[0]), JSON.stringify(reordered), line(events[2])]))).broken).toBeNull();
    const edited = { ...events[1], details: { tags: ['a'], name: 'web-2' } };
    expect((await verifyJsonLines(fileOf([line(events[0]), JSON.stringify(edited), line(events[2])]))).broken).toMatchObject({ line: 2, seq: 2 });
  });

  it('two lines swapped', async () => {
    const events = exported(4);
    const verdict = await verifyJsonLines(fileOf(lines([events[0], events[2], events[1], events[3]])));
    expect(verdict.broken).toEqual({ line: 3, seq: 2, message: 'event 2 comes after event 3: lines were reordered' });
  });

  it('a line repeated', async () => {
    const events = exported(3);
    const verdict = await verifyJsonLines(fileOf(lines([events[0], events[1], events[1], events[2]])));
    expect(verdict.broken).toEqual({ line: 3, seq: 2, message: 'event 2 comes after event 2: lines were reordered' });
  });

  it('an event replaced by one re-hashed over another previous hash: the next number no longer follows', async () => {
    const events = exported(4);
    const forged = { ...events[2], outcome: 'PERMISSION_DENIED', prevHash: 'f'.repeat(64) } as AuditEvent;
    forged.hash = hashEvent(forged.prevHash, { ...forged, details: canonicalDetails(forged.details) });
    const verdict = await verifyJsonLines(fileOf(lines([events[0], events[1], forged, events[3]])));
    expect(verdict.broken).toEqual({ line: 3, seq: 3, message: "event 3 does not follow event 2: its previous hash is not that event's hash" });
  });
});

describe('a file that is not an export is refused, naming the line', () => {
  it('a line that is not JSON', async () => {
    const events = exported(2);
    const path = fileOf([line(events[0]), '{"seq": 2,']);
    const error = await refusal(path);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe(`Line 2 of ${path} is not an audit event: it is not JSON.`);
    expect(error.hint).toContain('guardian audit export --format jsonl');
  });

  it('a line missing fields, naming them', async () => {
    const { hash: _hash, prevHash: _prev, ...unhashed } = exported(1)[0] as AuditEvent;
    const error = await refusal(fileOf([JSON.stringify(unhashed)]));
    expect(error.message).toMatch(/^Line 1 of .* is not an audit event: wrong or missing: prevHash, hash\.$/);
  });

  it('a line that is JSON but no object', async () => {
    expect((await refusal(fileOf(['42']))).message).toMatch(/is not an audit event: wrong or missing: the whole line\.$/);
  });

  it('a path where there is no file', async () => {
    const path = join(folder, 'nowhere.jsonl');
    const error = await refusal(path);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: `There is no file at ${path}.` });
    expect(error.hint).toContain('JSON Lines export');
  });

  it('a folder', async () => {
    expect(await refusal(folder)).toMatchObject({ code: 'VALIDATION_FAILED', message: `${folder} could not be read as a file.` });
  });
});
