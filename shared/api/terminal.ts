import { z } from 'zod';
import { event, method, queryInt } from './contract';
import { ServerId } from './servers';

/**
 * The terminal (docs/operations.md, "Terminal"): an interactive SSH shell on one server, with a
 * pty, through the same connection rules as operations (the server's linked vault credential, its
 * pinned host key, its jump hosts). Its output goes only to the caller who opened it (an addressed
 * event); what it prints is recorded as asciicast v2, what is typed is not.
 */

export const TerminalId = z.uuid('Not a terminal id');

/** Most characters sent in one terminal.input: a paste of a page or two; a file belongs in operations.push. */
export const TERMINAL_INPUT_MAX = 65_536;
/** Most terminals one caller may have open at once. */
export const TERMINALS_PER_USER = 4;
/** A terminal nobody typed in (or resized) for this long is closed. */
export const TERMINAL_IDLE_MS = 15 * 60_000;
/** Most of what a shell printed that one recording keeps; past it a marker says how much was cut (its SHA-256 covers the recording as stored). */
export const RECORDING_CAP_BYTES = 4 * 1024 * 1024;

const Cols = z.number().int('Columns are a whole number').min(2, 'At least 2 columns').max(500, 'At most 500 columns');
const Rows = z.number().int('Rows are a whole number').min(1, 'At least 1 row').max(200, 'At most 200 rows');

export const OpenTerminal = z.object({
  id: z.string(),
  serverId: z.string(),
  serverName: z.string(),
  /** host:port as connected to. */
  address: z.string(),
  startedAt: z.number().int(),
});
export type OpenTerminal = z.infer<typeof OpenTerminal>;

export const terminalOpen = method({
  name: 'terminal.open',
  summary:
    'Open an interactive shell on a server over SSH, with a pty of `cols` × `rows` (TERM xterm-256color): the server’s linked vault credential, its pinned host key (a changed key is refused and audited), its jump hosts. Its output arrives as terminal.output events, to this caller alone; it is recorded (asciicast v2), what is typed is not. At most 4 open per caller; closed after 15 minutes without input.',
  input: z.strictObject({ serverId: ServerId, cols: Cols.default(80), rows: Rows.default(24) }),
  output: OpenTerminal,
  permission: 'terminal:open',
  audit: { target: (input, out) => (out ? `terminal:${out.id}` : `server:${input.serverId}`) },
  http: { method: 'POST', path: '/terminals' },
});

export const terminalInput = method({
  name: 'terminal.input',
  summary: 'Send keystrokes or pasted text to a terminal you opened. Never recorded, never audited (passwords are typed here).',
  input: z.strictObject({
    id: TerminalId,
    data: z.string().min(1, 'Send at least one character').max(TERMINAL_INPUT_MAX, `Send at most ${TERMINAL_INPUT_MAX} characters at once`),
  }),
  output: z.object({ ok: z.literal(true) }),
  permission: 'terminal:open',
  audit: false,
  http: { method: 'POST', path: '/terminals/:id/input' },
});

export const terminalResize = method({
  name: 'terminal.resize',
  summary: 'Tell a terminal you opened its new size; the remote pty follows (SIGWINCH) and the recording notes it.',
  input: z.strictObject({ id: TerminalId, cols: Cols, rows: Rows }),
  output: z.object({ ok: z.literal(true) }),
  permission: 'terminal:open',
  audit: false,
  http: { method: 'POST', path: '/terminals/:id/resize' },
});

export const terminalClose = method({
  name: 'terminal.close',
  summary:
    'Close a terminal you opened: the remote shell ends, the recording is stored, and a terminal.closed audit event says how long, how many bytes and the recording’s SHA-256.',
  input: z.strictObject({ id: TerminalId }),
  output: z.object({ ok: z.literal(true) }),
  permission: 'terminal:open',
  // The service writes terminal.closed for every end (closed, idle, signed out, disconnected).
  audit: false,
  http: { method: 'POST', path: '/terminals/:id/close' },
});

export const TERMINAL_END_REASONS = ['closed', 'idle', 'signed-out', 'disconnected', 'shutdown'] as const;
export type TerminalEndReason = (typeof TERMINAL_END_REASONS)[number];

export const TerminalRecording = z.object({
  id: z.string(),
  serverId: z.string(),
  serverName: z.string(),
  address: z.string(),
  /** user:ID or apiKey:ID, and that name when the session opened. */
  openedBy: z.string(),
  openedByName: z.string(),
  startedAt: z.number().int(),
  endedAt: z.number().int(),
  durationMs: z.number().int(),
  endReason: z.enum(TERMINAL_END_REASONS),
  cols: z.number().int(),
  rows: z.number().int(),
  /** Bytes the shell printed in all. */
  outputBytes: z.number().int(),
  /** Whether the recording stops before the end (RECORDING_CAP_BYTES), with a marker. */
  truncated: z.boolean(),
  /** The asciicast text's size and SHA-256, as audited. */
  recordingBytes: z.number().int(),
  sha256: z.string(),
});
export type TerminalRecording = z.infer<typeof TerminalRecording>;

export const terminalRecordings = method({
  name: 'terminal.recordings',
  summary: 'Recorded terminal sessions, newest first (no content; terminal.recording has it).',
  input: z.strictObject({
    limit: queryInt(1, 500).default(50),
    serverId: ServerId.optional(),
    since: queryInt(0, Number.MAX_SAFE_INTEGER).optional().describe('Sessions started at or after this time (epoch ms).'),
  }),
  output: z.object({ items: z.array(TerminalRecording) }),
  permission: 'terminal:recordings',
  audit: false,
  http: { method: 'GET', path: '/terminal-recordings' },
});

export const terminalRecording = method({
  name: 'terminal.recording',
  summary: 'One recorded terminal session and its asciicast v2 text (a header line, then one `[seconds, "o", text]` line per output; input is not recorded).',
  input: z.strictObject({ id: TerminalId }),
  output: TerminalRecording.extend({ asciicast: z.string() }),
  permission: 'terminal:recordings',
  audit: false,
  http: { method: 'GET', path: '/terminal-recordings/:id' },
});

export const terminalOutputEvent = event({
  name: 'terminal.output',
  summary: 'What a terminal printed, batched (at most every 20 ms), to the caller who opened it alone.',
  payload: z.object({ id: z.string(), data: z.string() }),
  permission: 'terminal:open',
  addressed: true,
});

export const terminalClosedEvent = event({
  name: 'terminal.closed',
  summary: 'A terminal ended (closed, idle, signed out, the connection lost, Guardian stopping), to the caller who opened it alone.',
  payload: z.object({ id: z.string(), reason: z.enum(TERMINAL_END_REASONS), message: z.string() }),
  permission: 'terminal:open',
  addressed: true,
});
