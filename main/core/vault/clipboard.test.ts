import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLIPBOARD_CLEAR_MS, SecretClipboard, type SystemClipboard } from './clipboard';

function memoryClipboard(): SystemClipboard & { text: string } {
  return {
    text: '',
    writeText(text) {
      this.text = text;
    },
    readText() {
      return this.text;
    },
  };
}

const clock = { now: () => 1_000 };

describe('copying a secret to the clipboard', () => {
  afterEach(() => vi.useRealTimers());

  it('puts the pasteable part on the clipboard and clears it after 30 s if it is still there', () => {
    vi.useFakeTimers();
    const system = memoryClipboard();
    const copied = new SecretClipboard(system, clock).copy({ kind: 'password', password: 'hunter2-but-longer' });
    expect(copied.clearsAt).toBe(1_000 + CLIPBOARD_CLEAR_MS);
    expect(system.text).toBe('hunter2-but-longer');
    vi.advanceTimersByTime(CLIPBOARD_CLEAR_MS - 1);
    expect(system.text).toBe('hunter2-but-longer');
    vi.advanceTimersByTime(1);
    expect(system.text).toBe('');
  });

  it('leaves the clipboard alone when the user copied something else meanwhile', () => {
    vi.useFakeTimers();
    const system = memoryClipboard();
    new SecretClipboard(system, clock).copy({ kind: 'api_token', token: 'tok-123' });
    system.writeText('a line of a log the user copied');
    vi.advanceTimersByTime(CLIPBOARD_CLEAR_MS);
    expect(system.text).toBe('a line of a log the user copied');
  });

  it('is refused with a hint where there is no system clipboard (headless, browser)', () => {
    expect(() => new SecretClipboard(undefined, clock).copy({ kind: 'note', text: 'x' })).toThrow(
      expect.objectContaining({ code: 'NOT_SUPPORTED_HERE', retryable: false, hint: expect.stringContaining('reveal') }),
    );
  });
});
