import { TERMINAL_INPUT_MAX } from '@shared/api/terminal';

/**
 * Keystrokes for one terminal, sent one call at a time: what is typed while a call is under way
 * waits and goes in the next one, so two calls never race (an HTTP client may deliver them out of
 * order) and fast typing is a few calls, not one per key. A paste longer than one call takes several.
 */
export class InputQueue {
  private waiting = '';
  private sending = false;

  constructor(
    private readonly send: (data: string) => Promise<unknown>,
    private readonly failed: (error: unknown) => void,
  ) {}

  push(data: string): void {
    this.waiting += data;
    if (!this.sending) void this.drain();
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.waiting !== '') {
        let cut = Math.min(this.waiting.length, TERMINAL_INPUT_MAX);
        // Never between the two halves of a surrogate pair.
        if (cut < this.waiting.length && /[\uD800-\uDBFF]/.test(this.waiting.charAt(cut - 1))) cut -= 1;
        const data = this.waiting.slice(0, cut);
        this.waiting = this.waiting.slice(cut);
        await this.send(data);
      }
    } catch (error) {
      this.waiting = '';
      this.failed(error);
    } finally {
      this.sending = false;
    }
  }
}
