import { EXCERPT_CONTEXT, type OutputChunk, type OutputMatch } from '@shared/api/operations';
import { yieldToLoop } from '../timers';
import type { OperationStore, SearchCursor, SearchFilter } from './store';

/**
 * Output search (docs/operations.md, "Searching output"): a case-insensitive match of the text as
 * typed, over each target's stored output, one stream at a time. It is done here rather than in
 * SQL so both engines answer alike (SQLite's lower() folds ASCII only, PostgreSQL's follows its
 * collation) and so it reads the output as stored, whatever form that takes; the price is that
 * every target in the window is read, a page at a time.
 */

/** Targets read per page: at most 256 KiB of output each, so a page's JSON stays a few MB. */
const PAGE = 16;

/** A pattern that finds `text` literally, in any case (Unicode simple case folding). */
export function literal(text: string): RegExp {
  return new RegExp(text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'), 'iu');
}

/**
 * The first match in the order the output arrived, with its line around it (at most
 * EXCERPT_CONTEXT characters each side): cut from the stored text, so it never shows more than
 * `operations.output` would. Guardian's own marker where the output was cut is not searched.
 */
export function firstMatch(chunks: readonly OutputChunk[], truncated: boolean, pattern: RegExp): Pick<OutputMatch, 'stream' | 'printedAt' | 'excerpt'> | null {
  const printed = truncated ? chunks.slice(0, -1) : chunks;
  let best: { chunk: number; stream: OutputChunk['stream']; text: string; index: number; length: number; starts: number[] } | null = null;
  for (const stream of ['stdout', 'stderr'] as const) {
    // Each stream's text whole: a line printed in two reads is found across the seam.
    const order: number[] = [];
    const starts: number[] = [];
    let text = '';
    printed.forEach((chunk, i) => {
      if (chunk.stream !== stream) return;
      order.push(i);
      starts.push(text.length);
      text += chunk.text;
    });
    const found = pattern.exec(text);
    if (!found) continue;
    let piece = 0;
    while (piece + 1 < starts.length && (starts[piece + 1] as number) <= found.index) piece += 1;
    const chunk = order[piece] as number;
    if (!best || chunk < best.chunk) best = { chunk, stream, text, index: found.index, length: found[0].length, starts };
  }
  if (!best) return null;
  const { text, index, length } = best;
  const end = index + length;
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  const lineEnd = text.indexOf('\n', end);
  return {
    stream: best.stream,
    printedAt: (printed[best.chunk] as OutputChunk).t,
    excerpt: {
      before: text.slice(Math.max(lineStart, index - EXCERPT_CONTEXT), index),
      match: text.slice(index, end),
      after: text.slice(end, Math.min(lineEnd === -1 ? text.length : lineEnd, end + EXCERPT_CONTEXT)),
    },
  };
}

/** Most characters of a command a match carries. */
const COMMAND_HEAD = 200;

/** The targets whose stored output holds `text`, newest run first, up to `limit`, and whether there were more. */
export async function searchOutput(store: OperationStore, text: string, filter: SearchFilter, limit: number): Promise<{ items: OutputMatch[]; more: boolean }> {
  const pattern = literal(text);
  const items: OutputMatch[] = [];
  let cursor: SearchCursor | null = null;
  for (;;) {
    const keys = await store.searchKeys(filter, cursor, PAGE);
    for (const row of await store.searchRows(keys)) {
      const match = firstMatch(row.output, row.truncated, pattern);
      if (!match) continue;
      if (items.length === limit) return { items, more: true };
      const { output: _output, truncated: _truncated, command, ...rest } = row;
      items.push({ ...rest, command: command.slice(0, COMMAND_HEAD), ...match });
    }
    const last = keys.at(-1);
    if (keys.length < PAGE || !last) return { items, more: false };
    cursor = last;
    await yieldToLoop();
  }
}
