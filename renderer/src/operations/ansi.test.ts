import { describe, expect, it } from 'vitest';
import { segmentsOf } from './ansi';

const ESC = '\u001b';

describe('segmentsOf', () => {
  it('keeps a stream’s colour across chunks and an escape cut between two, and gives the other stream its own', () => {
    const segments = segmentsOf([
      { t: 1, stream: 'stdout', text: `a ${ESC}[1;32mgreen` },
      { t: 2, stream: 'stderr', text: 'plain err\n' },
      { t: 3, stream: 'stdout', text: ` still${ESC}[` },
      { t: 4, stream: 'stdout', text: `0m plain\n${ESC}[38;5;208morange` },
    ]);
    expect(segments.map(({ stream, text, classes }) => [stream, text, classes])).toEqual([
      ['stdout', 'a ', ''],
      ['stdout', 'green', 'ansi-fg-green ansi-bold'],
      ['stderr', 'plain err\n', ''],
      ['stdout', ' still', 'ansi-fg-green ansi-bold'],
      // 256-colour text is drawn plain: only the named colours have shades checked for contrast.
      ['stdout', ' plain\norange', ''],
    ]);
  });

  it('sets Guardian’s own notes apart from what the command printed', () => {
    const segments = segmentsOf([
      { t: 1, stream: 'stderr', text: 'real [guardian: not a marker]\n' },
      { t: 2, stream: 'stderr', text: '\n[guardian: output cut here; 10 more bytes were printed and not stored]\n' },
    ]);
    expect(segments.map((segment) => segment.marker)).toEqual([false, true]);
    expect(segments[1]?.text).toBe('[guardian: output cut here; 10 more bytes were printed and not stored]');
  });
});
