import { describe, expect, it } from 'vitest';
import { TERMINAL_INPUT_MAX } from '@shared/api/terminal';
import { castSize, parseCast } from '@shared/operations/asciicast';
import { InputQueue } from './input-queue';
import { delayBefore, MAX_PAUSE_MS, playingTimeMs } from './playback';

describe('playback timing', () => {
  const events = [
    { time: 0.5, code: 'o', data: 'a' },
    { time: 1.5, code: 'o', data: 'b' },
    { time: 3_600, code: 'o', data: 'after an hour' },
  ];

  it('waits the recorded gaps, shortened by the speed, never longer than the longest pause', () => {
    expect(delayBefore(events, 0, 1)).toBe(500);
    expect(delayBefore(events, 1, 1)).toBe(1_000);
    expect(delayBefore(events, 1, 4)).toBe(250);
    expect(delayBefore(events, 2, 1)).toBe(MAX_PAUSE_MS);
    expect(delayBefore(events, 3, 1)).toBe(0);
    expect(playingTimeMs(events, 2)).toBe(250 + 500 + MAX_PAUSE_MS);
  });

  it('reads a recording back, skipping lines that are not events, and refuses text without a v2 header', () => {
    const text = ['{"version":2,"width":100,"height":30}', '[0.1,"o","hi"]', 'not json', '[0.2,"r","90x20"]', ''].join('\n');
    expect(parseCast(text)).toEqual({
      cols: 100,
      rows: 30,
      events: [
        { time: 0.1, code: 'o', data: 'hi' },
        { time: 0.2, code: 'r', data: '90x20' },
      ],
    });
    expect(parseCast('{"version":1,"width":80,"height":24}')).toBeNull();
    expect(parseCast('')).toBeNull();
    expect(castSize('90x20')).toEqual({ cols: 90, rows: 20 });
    expect(castSize('big')).toBeNull();
  });
});

describe('the input queue', () => {
  it('sends one call at a time, what was typed meanwhile joined into the next, in order', async () => {
    const sent: string[] = [];
    let release: () => void = () => undefined;
    const queue = new InputQueue(
      (data) => {
        sent.push(data);
        return new Promise<void>((resolve) => (release = resolve));
      },
      () => undefined,
    );
    queue.push('l');
    queue.push('s');
    queue.push('\r');
    expect(sent).toEqual(['l']);
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent).toEqual(['l', 's\r']);
    release();
  });

  it('splits a paste longer than one call allows, and reports a failed call', async () => {
    const sent: string[] = [];
    const failures: unknown[] = [];
    const queue = new InputQueue(
      (data) => {
        sent.push(data);
        return sent.length === 3 ? Promise.reject(new Error('gone')) : Promise.resolve();
      },
      (error) => failures.push(error),
    );
    queue.push('x'.repeat(TERMINAL_INPUT_MAX * 2 + 5));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent.map((data) => data.length)).toEqual([TERMINAL_INPUT_MAX, TERMINAL_INPUT_MAX, 5]);
    expect(failures).toHaveLength(1);
  });
});
