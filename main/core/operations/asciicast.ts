import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';

/**
 * A terminal session recorded as asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/):
 * a header line, then one JSON array a line, `[seconds since start, code, data]`. Only what the
 * shell printed ("o") and the terminal's new sizes ("r") are recorded: never what was typed ("i"),
 * where passwords are (docs/operations.md, "Terminal"). Past `cap` bytes of event lines nothing
 * more is kept, and a last "o" event says how much was cut.
 */

export interface RecordingHeader {
  cols: number;
  rows: number;
  /** When the session opened, epoch ms. */
  startedAt: number;
  title: string;
}

export interface FinishedRecording {
  /** The asciicast text, as stored. */
  text: string;
  /** Its size in bytes and SHA-256 (hex), as audited. */
  bytes: number;
  sha256: string;
  /** Bytes the shell printed in all. */
  outputBytes: number;
  truncated: boolean;
}

export class AsciicastRecorder {
  private readonly lines: string[];
  private kept = 0;
  private printed = 0;
  /** Whether the cap was reached, and the printed bytes left out since. */
  private full = false;
  private cut = 0;
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    private readonly header: RecordingHeader,
    private readonly cap: number,
    private readonly now: () => number,
  ) {
    const first = {
      version: 2,
      width: header.cols,
      height: header.rows,
      timestamp: Math.floor(header.startedAt / 1000),
      env: { TERM: 'xterm-256color' },
      title: header.title,
    };
    this.lines = [`${JSON.stringify(first)}\n`];
  }

  /** Records what the shell printed; answers it as text (a character split across reads waits for its end). */
  output(data: Buffer): string {
    this.printed += data.length;
    const text = this.decoder.write(data);
    if (text !== '') this.event('o', text);
    return text;
  }

  /** Records the terminal's new size. */
  resize(cols: number, rows: number): void {
    this.event('r', `${cols}x${rows}`);
  }

  finish(): FinishedRecording {
    const rest = this.decoder.end();
    if (rest !== '') this.event('o', rest);
    const truncated = this.full;
    // The marker is kept past the cap: a reader must see that the recording stops early.
    if (truncated) this.lines.push(this.line('o', `\r\n[guardian: recording cut here; ${this.cut} more bytes were printed and not recorded]\r\n`));
    const text = this.lines.join('');
    return {
      text,
      bytes: Buffer.byteLength(text),
      sha256: createHash('sha256').update(text).digest('hex'),
      outputBytes: this.printed,
      truncated,
    };
  }

  private line(code: 'o' | 'r', data: string): string {
    const seconds = Math.max(0, this.now() - this.header.startedAt) / 1000;
    return `${JSON.stringify([Number(seconds.toFixed(3)), code, data])}\n`;
  }

  private event(code: 'o' | 'r', data: string): void {
    const line = this.full ? '' : this.line(code, data);
    const size = Buffer.byteLength(line);
    if (this.full || this.kept + size > this.cap) {
      this.full = true;
      if (code === 'o') this.cut += Buffer.byteLength(data);
      return;
    }
    this.kept += size;
    this.lines.push(line);
  }
}
