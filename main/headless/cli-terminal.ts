import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError, type Command, type Option } from 'commander';
import { AppError } from '@shared/api/errors';
import { TerminalId } from '@shared/api/terminal';
import { delayBefore, parseCast } from '@shared/operations/asciicast';
import { LOCAL_OWNER } from '@shared/permissions';
import type { WithCore } from './cli-operations';
import { printTable } from './cli-output';
import { pointInTime } from './cli-past-runs';
import { count } from './cli-runbooks';

const CLI = { origin: 'cli' };

const at = (time: number): string => new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');

function lasted(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

function speedOf(value: string): number {
  const speed = Number(value);
  if (!Number.isFinite(speed) || speed <= 0 || speed > 100) throw new InvalidArgumentError('a speed above 0 and at most 100, e.g. 2');
  return speed;
}

/**
 * `guardian terminal recordings` and `guardian terminal play ID`: recorded terminal sessions
 * (docs/operations.md, "Terminal") from the command line, as the local owner. Playing prints what
 * the shell printed to stdout, at once (to a file or `less -R`) or with its timing (`--real-time`);
 * `--cast` prints the asciicast v2 file itself, for asciinema.
 */
export function addTerminalCommands(program: Command, dataDirOption: () => Option, withCore: WithCore): void {
  const terminal = program.command('terminal').description('Recorded terminal sessions (docs/operations.md "Terminal").');

  terminal
    .command('recordings')
    .description('Recorded terminal sessions, newest first: who opened a shell on which server, when, for how long, how much it printed.')
    .addOption(dataDirOption())
    .option('--server <name>', 'only this server’s sessions')
    .option('--since <when>', 'sessions started from then: a time ago (7d, 12h) or a date (2026-12-01)', (value) => pointInTime(value))
    .option('--limit <n>', 'sessions at most (1-500)', count, 50)
    .option('--json', 'print JSON', false)
    .action(async (options: { dataDir: string; server?: string; since?: number; limit: number; json: boolean }) => {
      await withCore(options.dataDir, async (core) => {
        let serverId: string | undefined;
        if (options.server !== undefined) {
          const wanted = options.server.toLowerCase();
          const found = (await core.servers.all({})).find((server) => server.name.toLowerCase() === wanted);
          if (!found) throw new AppError('NOT_FOUND', `There is no server named "${options.server}".`, { hint: 'See "guardian servers list".' });
          serverId = found.id;
        }
        const { items } = await core.router.invoke(
          LOCAL_OWNER,
          'terminal.recordings',
          { limit: options.limit, ...(serverId !== undefined && { serverId }), ...(options.since !== undefined && { since: options.since }) },
          CLI,
        );
        if (options.json) return void process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
        if (items.length === 0) return void process.stdout.write('No terminal session was recorded.\n');
        printTable(
          ['STARTED', 'ID', 'SERVER', 'OPENED BY', 'LENGTH', 'BYTES', 'ENDED'],
          items.map((item) => [
            at(item.startedAt),
            item.id,
            item.serverName,
            item.openedByName,
            lasted(item.durationMs),
            `${item.outputBytes}${item.truncated ? ' (cut)' : ''}`,
            item.endReason,
          ]),
        );
      });
    });

  terminal
    .command('play')
    .description('Print what a recorded session’s shell printed, to stdout: at once, or with its timing (--real-time).')
    .addOption(dataDirOption())
    .argument('<id>', 'the recording’s id (guardian terminal recordings lists them)')
    .option('--real-time', 'wait between outputs as the session did (pauses over 2 s shortened)', false)
    .option('--speed <n>', 'with --real-time: this many times faster', speedOf, 1)
    .option('--cast', 'print the asciicast v2 file itself (for asciinema play), not its output', false)
    .action(async (id: string, options: { dataDir: string; realTime: boolean; speed: number; cast: boolean }) => {
      if (!TerminalId.safeParse(id).success) {
        throw new AppError('VALIDATION_FAILED', `"${id}" is not a recording id.`, { hint: 'Copy an ID from "guardian terminal recordings".' });
      }
      const recording = await withCore(options.dataDir, (core) => core.router.invoke(LOCAL_OWNER, 'terminal.recording', { id }, CLI));
      if (options.cast) return void process.stdout.write(recording.asciicast);
      const cast = parseCast(recording.asciicast);
      if (!cast) throw new AppError('INTERNAL', `Recording ${id} is not asciicast v2 text.`, { hint: 'Print it as stored with --cast.' });
      for (const [index, event] of cast.events.entries()) {
        // Pauses over 2 s are shortened, as the UI's player does.
        if (options.realTime) await sleep(delayBefore(cast.events, index, options.speed));
        if (event.code === 'o') process.stdout.write(event.data);
      }
    });
}
