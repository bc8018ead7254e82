import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseCast } from '@shared/operations/asciicast';
import { AsciicastRecorder } from './asciicast';

describe('an asciicast recording', () => {
  it('is a v2 header and timed output and resize events, a character split across reads kept whole', () => {
    let now = 1_000_000;
    const recorder = new AsciicastRecorder({ cols: 80, rows: 24, startedAt: now, title: 'web-1' }, 1024, () => now);
    now += 250;
    recorder.output(Buffer.from('hello '));
    const euro = Buffer.from('€');
    expect(recorder.output(euro.subarray(0, 1))).toBe('');
    now += 500;
    expect(recorder.output(euro.subarray(1))).toBe('€');
    recorder.resize(100, 30);
    const done = recorder.finish();

    const lines = done.text.trimEnd().split('\n');
    expect(JSON.parse(lines[0] ?? '')).toEqual({ version: 2, width: 80, height: 24, timestamp: 1000, env: { TERM: 'xterm-256color' }, title: 'web-1' });
    expect(lines.slice(1).map((line) => JSON.parse(line) as unknown)).toEqual([
      [0.25, 'o', 'hello '],
      [0.75, 'o', '€'],
      [0.75, 'r', '100x30'],
    ]);
    expect(done).toMatchObject({ outputBytes: 9, truncated: false, bytes: Buffer.byteLength(done.text) });
    expect(done.sha256).toBe(createHash('sha256').update(done.text).digest('hex'));
    expect(parseCast(done.text)?.events.map((event) => event.data)).toEqual(['hello ', '€', '100x30']);
  });

  it('stops keeping output at its cap and ends with a marker saying how much was left out', () => {
    const recorder = new AsciicastRecorder({ cols: 80, rows: 24, startedAt: 0, title: 'x' }, 100, () => 0);
    for (let index = 0; index < 20; index++) recorder.output(Buffer.from('0123456789'));
    const done = recorder.finish();
    expect(done.truncated).toBe(true);
    expect(done.outputBytes).toBe(200);
    const events = parseCast(done.text)?.events ?? [];
    const kept = events
      .slice(0, -1)
      .map((event) => event.data)
      .join('');
    expect(events.at(-1)?.data).toBe(`\r\n[guardian: recording cut here; ${200 - kept.length} more bytes were printed and not recorded]\r\n`);
    expect(Buffer.byteLength(done.text.split('\n').slice(1, -2).join('\n'))).toBeLessThanOrEqual(100);
  });
});
