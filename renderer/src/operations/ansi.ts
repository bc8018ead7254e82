import Anser from 'anser';
import type { OutputChunk } from '@shared/api/operations';

/** A run of output text with one look: its stream, its ANSI colours as classes, or a marker Guardian wrote. */
export interface OutputSegment {
  stream: OutputChunk['stream'];
  text: string;
  /** operations.css classes for the ANSI colours and decorations; '' for plain text. */
  classes: string;
  /** Guardian's own note, not the command's: where the stored output was cut, or what a live batch left out. */
  marker: boolean;
}

/**
 * Guardian's notes in a target's output (main/core/operations/exec.ts writes where the stored
 * output was cut, service.ts what a live batch had no room for): a chunk of its own, on stderr.
 */
const MARKER = /^\n\[guardian: [^\]\n]*\]\n$/;

/** The sixteen named colours have classes whose shades meet contrast in both themes; 256-colour and 24-bit colours are shown plain. */
const NAMED = /^ansi-(?:bright-)?(black|red|green|yellow|blue|magenta|cyan|white)$/;
const DECORATIONS = new Set(['bold', 'dim', 'italic', 'underline', 'strikethrough']);

const ESC = '\u001b';

/**
 * SGR 10 (the primary font): changes nothing, but put before a chunk it makes anser give the text
 * ahead of the chunk's first escape the stream's current colours (it draws that text plain).
 */
const KEEP_STYLE = `${ESC}[10m`;

/** An escape sequence cut by a chunk's end: kept for the next chunk of the stream, or it would print as text. */
const PARTIAL_ESCAPE = new RegExp(`${ESC}(?:\\[[0-9;?]*)?$`);

function classesOf(entry: { fg: string | null; bg: string | null; decorations: readonly string[] }): string {
  const classes: string[] = [];
  const fg = entry.fg ? NAMED.exec(entry.fg) : null;
  const bg = entry.bg ? NAMED.exec(entry.bg) : null;
  if (fg) classes.push(`ansi-fg-${fg[1]}`);
  if (bg) classes.push(`ansi-bg-${bg[1]}`);
  for (const decoration of entry.decorations) if (DECORATIONS.has(decoration)) classes.push(`ansi-${decoration}`);
  return classes.join(' ');
}

/**
 * A target's output as segments to draw, in the order it arrived. Each stream keeps its own
 * colour state across chunks (a colour set on stdout does not colour stderr), as the two are
 * separate pipes on the host.
 */
export function segmentsOf(chunks: readonly OutputChunk[]): OutputSegment[] {
  const parsers = { stdout: new Anser(), stderr: new Anser() };
  const carried = { stdout: '', stderr: '' };
  const segments: OutputSegment[] = [];
  const push = (segment: OutputSegment) => {
    const last = segments.at(-1);
    if (last && !last.marker && !segment.marker && last.stream === segment.stream && last.classes === segment.classes) last.text += segment.text;
    else segments.push(segment);
  };
  for (const chunk of chunks) {
    if (MARKER.test(chunk.text)) {
      push({ stream: chunk.stream, text: chunk.text.trim(), classes: '', marker: true });
      continue;
    }
    let text = carried[chunk.stream] + chunk.text;
    const partial = PARTIAL_ESCAPE.exec(text);
    carried[chunk.stream] = partial ? partial[0] : '';
    if (partial) text = text.slice(0, partial.index);
    for (const entry of parsers[chunk.stream].ansiToJson(KEEP_STYLE + text, { use_classes: true, remove_empty: true })) {
      push({ stream: chunk.stream, text: entry.content, classes: classesOf(entry), marker: false });
    }
  }
  return segments;
}
