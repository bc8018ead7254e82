import { z } from 'zod';

/**
 * Reading an asciicast v2 recording (a terminal session, docs/operations.md "Terminal") back for
 * playback, in the renderer and the CLI alike: the header's size, then each event's time, code
 * and data, in order. A line that is not an event is skipped, not fatal: a player shows what it can.
 */

const Header = z.object({ version: z.literal(2), width: z.number().int().positive(), height: z.number().int().positive() });
const Event = z.tuple([z.number().nonnegative(), z.string(), z.string()]);

export interface CastEvent {
  /** Seconds since the session opened. */
  time: number;
  /** "o" output, "r" resize ("COLSxROWS"). */
  code: string;
  data: string;
}

export interface Cast {
  cols: number;
  rows: number;
  events: CastEvent[];
}

/** The recording's size and events, or null when its first line is not an asciicast v2 header. */
export function parseCast(text: string): Cast | null {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const header = Header.safeParse(parseJson(lines[0] ?? ''));
  if (!header.success) return null;
  const events: CastEvent[] = [];
  for (const line of lines.slice(1)) {
    const event = Event.safeParse(parseJson(line));
    if (event.success) events.push({ time: event.data[0], code: event.data[1], data: event.data[2] });
  }
  return { cols: header.data.width, rows: header.data.height, events };
}

/** The longest pause playback keeps: a session left idle for an hour plays on after this (asciinema's idle_time_limit). */
export const MAX_PAUSE_MS = 2_000;

/** How long a player waits before event `index` at `speed`: the recorded gap, shortened by the speed, never more than MAX_PAUSE_MS. */
export function delayBefore(events: readonly CastEvent[], index: number, speed: number): number {
  const event = events[index];
  if (!event) return 0;
  const previous = index === 0 ? 0 : (events[index - 1]?.time ?? 0);
  return Math.min(MAX_PAUSE_MS, (Math.max(0, event.time - previous) * 1000) / speed);
}

/** A resize event's size. */
export function castSize(data: string): { cols: number; rows: number } | null {
  const match = /^(\d+)x(\d+)$/.exec(data);
  return match ? { cols: Number(match[1]), rows: Number(match[2]) } : null;
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return null;
  }
}
