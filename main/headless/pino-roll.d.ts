// pino-roll ships no type declarations; this is the part of its API Guardian uses.
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino';
  interface PinoRollOptions {
    file: string;
    size?: string | number;
    frequency?: 'daily' | 'hourly' | number;
    limit?: { count: number };
    mkdir?: boolean;
    /** Passed to sonic-boom: the mode each log file is created with. */
    mode?: number;
  }
  export default function pinoRoll(options: PinoRollOptions): Promise<DestinationStream>;
}
