import { fromFirstWrite, type Handlers } from '../api/router';
import { who } from '../api/caller';
import type { TerminalService } from './terminal';

type TerminalMethods = Extract<keyof Handlers, `terminal.${string}`>;

export function createTerminalHandlers(terminals: TerminalService): Pick<Handlers, TerminalMethods> {
  return {
    // Connecting takes seconds and writes nothing: no writer waits for it; the audit event is its one write.
    'terminal.open': fromFirstWrite((input, ctx) => terminals.openTerminal(who(ctx), input)),
    'terminal.input': ({ id, data }, ctx) => terminals.input(who(ctx), id, data),
    'terminal.resize': ({ id, cols, rows }, ctx) => terminals.resize(who(ctx), id, cols, rows),
    'terminal.close': ({ id }, ctx) => terminals.close(who(ctx), id),
    'terminal.recordings': async ({ limit, ...filter }) => ({ items: await terminals.recordings(limit, filter) }),
    'terminal.recording': ({ id }) => terminals.recording(id),
  };
}
