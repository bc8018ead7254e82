import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

/** Lets timers, I/O and requests run between chunks of heavy work. */
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A file written in chunks that waits when the disk is behind, so a large report never piles
 * up in memory, and yields to the event loop every few chunks.
 */
export class FileSink {
  readonly stream: WriteStream;
  private chunks = 0;

  constructor(path: string) {
    this.stream = createWriteStream(path, { flags: 'wx' });
  }

  async write(text: string): Promise<void> {
    if (!this.stream.write(text)) await once(this.stream, 'drain');
    this.chunks += 1;
    if (this.chunks % 200 === 0) await yieldToLoop();
  }

  async close(): Promise<void> {
    this.stream.end();
    await finished(this.stream);
  }

  /** Closes without waiting (a failed or cancelled job; the draft is removed after). */
  abort(): void {
    this.stream.destroy();
  }
}
