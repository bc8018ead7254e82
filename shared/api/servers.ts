import { z } from 'zod';
import { event, method, queryInt, queryList } from './contract';
import { JobSchema } from './jobs';

const IPV4 = z.ipv4();
const IPV6 = z.ipv6();
const HOSTNAME = z.hostname();

/** A DNS name, an IPv4 address or an IPv6 address (brackets allowed around IPv6). */
export function isHost(value: string): boolean {
  if (value.startsWith('[') && value.endsWith(']')) return IPV6.safeParse(value.slice(1, -1)).success;
  if (IPV4.safeParse(value).success || IPV6.safeParse(value).success) return true;
  // A name made only of digits and dots is a mistyped IPv4 address, not a host name.
  if (/^[\d.]+$/.test(value)) return false;
  return value.length <= 253 && HOSTNAME.safeParse(value).success;
}

const slug = (what: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .min(1, `${what} cannot be empty`)
    .max(32, `${what} is at most 32 characters`)
    .regex(/^[a-z0-9][a-z0-9._-]*$/, `${what} uses letters, digits, dot, dash and underscore, starting with a letter or digit`);

export const ServerName = z
  .string()
  .trim()
  .min(1, 'Name cannot be empty')
  .max(100, 'Name is at most 100 characters')
  .refine((name) => !/\p{Cc}/u.test(name), 'Name cannot contain control characters');

export const ServerHost = z
  .string()
  .trim()
  .min(1, 'Host cannot be empty')
  .refine(isHost, 'Host must be a DNS name, an IPv4 address or an IPv6 address')
  .transform((host) => (host.startsWith('[') ? host.slice(1, -1) : host).toLowerCase());

const portNumber = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .min(1, `${what} must be between 1 and 65535`)
    .max(65535, `${what} must be between 1 and 65535`);

/** The port Guardian opens SSH sessions on; the ports a server's checks watch are theirs, not this one. */
export const ServerPort = portNumber('SSH port').describe('The SSH port Guardian connects to; the ports its checks watch are theirs.');
/** A port a check watches (the service's, e.g. 443), independent of the server's SSH port. */
export const CheckPort = portNumber('Port');

export const ServerUser = z
  .string()
  .trim()
  .max(64, 'User is at most 64 characters')
  .regex(/^[A-Za-z0-9._][A-Za-z0-9._@-]*$/, 'User is a login name: letters, digits, dot, dash, underscore, @')
  .nullable();

export const Environment = slug('Environment');
/** A server's environment, or '' for none: a server gets none unless someone gives it one. */
export const ServerEnvironment = Environment.or(z.literal(''));
export const Tag = slug('Tag');
export const Tags = z
  .array(Tag)
  .max(32, 'At most 32 tags')
  .transform((tags) => [...new Set(tags)].sort());
export const Notes = z.string().max(4000, 'Notes are at most 4000 characters');

export const ServerId = z.uuid('Not a server id');

/**
 * Most jump hosts one SSH connection passes through (ProxyJump a,b,c,d): each hop is a login and
 * a host key of its own, and a longer chain is more often a mistake than a network.
 */
export const MAX_JUMP_HOPS = 4;

/** The server every SSH connection to this one goes through (its own jump host first, if it has one), or null to connect directly. */
export const JumpHostId = ServerId.nullable().describe(
  `The id of the server SSH connections to this one go through (a jump host, as ProxyJump), or null to connect directly. At most ${MAX_JUMP_HOPS} hops; no loops.`,
);

/** The server this one sits behind (a router, a hypervisor): while it is down, this one's alerts are held back. */
export const DependsOnId = ServerId.nullable().describe(
  'The id of the server this one sits behind (a router, a hypervisor), or null: while that one is down, this one’s alerts are held back. No loops.',
);

/**
 * Whether an operation's command on this server gets Guardian's SSH agent forwarded (as ssh -A):
 * the server may then use the agent's keys while the command runs. Off unless turned on; turning
 * it on takes the `operations:run` permission, and imports and exports never carry it.
 */
export const AgentForwarding = z
  .boolean()
  .describe(
    'Forward Guardian’s SSH agent to this server for operations’ commands (as ssh -A; never to its jump hosts). Off by default; turning it on needs the operations:run permission.',
  );

/** What a person types to create a server. */
export const ServerInput = z.strictObject({
  name: ServerName,
  host: ServerHost,
  port: ServerPort.default(22),
  user: ServerUser.default(null),
  environment: ServerEnvironment.default(''),
  tags: Tags.default([]),
  notes: Notes.default(''),
  jumpHostId: JumpHostId.default(null),
  dependsOnId: DependsOnId.default(null),
});
export type ServerInput = z.input<typeof ServerInput>;

/**
 * A server's fields as a person gives them, in form order: the one list the store, the import's
 * change detection and the form are built from (a field added to ServerInput reaches them all).
 */
export const SERVER_FIELDS = Object.keys(ServerInput.shape) as (keyof typeof ServerInput.shape)[];
export type ServerField = (typeof SERVER_FIELDS)[number];

/**
 * The check a new server is watched with: a TCP connect to `port` (the server's SSH port when left
 * out), or `false` for none. Without it, a server gets the TCP check on its SSH port, so nothing
 * added is silently unmonitored.
 */
export const DefaultCheck = z.union([
  z.literal(false),
  z.strictObject({ type: z.literal('tcp'), port: CheckPort.optional().describe('The port the TCP check watches, e.g. 443; default: the SSH port.') }),
]);
export type DefaultCheck = z.input<typeof DefaultCheck>;

/** servers.create: the server, and which check to watch it with (see DefaultCheck). */
export const ServerCreateInput = ServerInput.extend({
  agentForwarding: AgentForwarding.default(false),
  monitor: DefaultCheck.optional().describe('The check the new server is watched with: a TCP check on `port` (default: the SSH port), or false for none.'),
});
export type ServerCreateInput = z.input<typeof ServerCreateInput>;

export const Server = z.object({
  id: z.string(),
  name: z.string(),
  host: z.string(),
  /** The SSH port. */
  port: z.number().int().describe('The SSH port.'),
  user: z.string().nullable(),
  environment: z.string(),
  tags: z.array(z.string()),
  notes: z.string(),
  /** The server SSH connections to this one go through, or null. */
  jumpHostId: z.string().nullable(),
  /** The server this one sits behind, or null. */
  dependsOnId: z.string().nullable(),
  /** Whether operations forward Guardian's SSH agent to it. */
  agentForwarding: z.boolean(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type Server = z.infer<typeof Server>;

/** What servers.create returns: the server, and the check it is watched with (null when asked for none). */
export const CreatedServer = Server.extend({
  check: z.object({ id: z.string(), name: z.string(), type: z.string(), port: z.number().int() }).nullable(),
});
export type CreatedServer = z.infer<typeof CreatedServer>;

export const SERVER_SORT_FIELDS = ['name', 'host', 'port', 'environment', 'createdAt', 'updatedAt'] as const;
export type ServerSortField = (typeof SERVER_SORT_FIELDS)[number];

const ServerFilter = {
  q: z.string().trim().max(200).optional(),
  tags: queryList(Tag, 32).optional(),
  environment: Environment.optional(),
};

export const ServerListInput = z.strictObject({
  ...ServerFilter,
  sort: z.enum(SERVER_SORT_FIELDS).default('name'),
  order: z.enum(['asc', 'desc']).default('asc'),
  limit: queryInt(1, 10_000).default(100),
  offset: queryInt(0, 10_000_000).default(0),
});
export type ServerListInput = z.input<typeof ServerListInput>;

export const ServerPage = z.object({ items: z.array(Server), total: z.number().int() });

export const serversList = method({
  name: 'servers.list',
  summary: 'List servers, with search (name, host, notes), tag and environment filters, sorting and paging.',
  input: ServerListInput,
  output: ServerPage,
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/servers' },
});

export const serversFacets = method({
  name: 'servers.facets',
  summary: 'The tags and environments in use, with how many servers carry each.',
  input: z.strictObject({}),
  output: z.object({
    tags: z.array(z.object({ value: z.string(), count: z.number().int() })),
    environments: z.array(z.object({ value: z.string(), count: z.number().int() })),
  }),
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/servers/facets' },
});

export const serversGet = method({
  name: 'servers.get',
  summary: 'One server by id.',
  input: z.strictObject({ id: ServerId }),
  output: Server,
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/servers/:id' },
});

export const serversCreate = method({
  name: 'servers.create',
  summary:
    'Add a server. Its name must be unique (case does not matter). `port` is its SSH port. Unless `monitor` is false, the server gets a check in the same transaction: a TCP connect to `monitor.port`, or to its SSH port when none is given; that needs the permission checks.create needs.',
  input: ServerCreateInput,
  output: CreatedServer,
  permission: 'servers:write',
  audit: { target: (_input, out) => (out ? `server:${out.id}` : undefined) },
  http: { method: 'POST', path: '/servers' },
});

export const ServerPatch = z.strictObject({
  id: ServerId,
  name: ServerName.optional(),
  host: ServerHost.optional(),
  port: ServerPort.optional(),
  user: ServerUser.optional(),
  environment: ServerEnvironment.optional(),
  tags: Tags.optional(),
  notes: Notes.optional(),
  jumpHostId: JumpHostId.optional(),
  dependsOnId: DependsOnId.optional(),
  agentForwarding: AgentForwarding.optional(),
});

export const serversUpdate = method({
  name: 'servers.update',
  summary: 'Change some fields of a server; fields left out keep their value.',
  input: ServerPatch,
  output: Server,
  permission: 'servers:write',
  audit: { target: (input) => `server:${input.id}` },
  http: { method: 'PATCH', path: '/servers/:id' },
});

export const serversDelete = method({
  name: 'servers.delete',
  summary: 'Remove a server. A server other servers connect through (their jump host) is not removed: CONFLICT names them.',
  input: z.strictObject({ id: ServerId }),
  output: z.object({ id: z.string() }),
  permission: 'servers:write',
  audit: { target: (input) => `server:${input.id}` },
  http: { method: 'DELETE', path: '/servers/:id' },
});

export const IMPORT_FORMATS = ['json', 'csv', 'ssh_config'] as const;
export const IMPORT_MAX_BYTES = 8 * 1024 * 1024;

export const serversImport = method({
  name: 'servers.import',
  summary:
    'Import servers from JSON, CSV or an OpenSSH ssh_config file, as a job. Rows whose name already exists update that server, so importing twice creates no duplicates. Each server the import creates gets a TCP check on its SSH port, or on the port its row names (CSV column check_port, JSON field monitor; "none" or false for no check), unless `monitor` is false.',
  input: z.strictObject({
    format: z.enum(IMPORT_FORMATS),
    content: z.string().max(IMPORT_MAX_BYTES, 'The file is larger than 8 MiB'),
    fileName: z.string().max(255).optional(),
    /** False: the servers created get no check, whatever their rows say. */
    monitor: z.boolean().default(true),
  }),
  output: JobSchema,
  permission: 'servers:write',
  audit: { target: (input) => (input.fileName ? `file:${input.fileName}` : `import:${input.format}`) },
  http: { method: 'POST', path: '/servers/import' },
});

export const ImportRejection = z.object({ line: z.number().int(), name: z.string().nullable(), reason: z.string() });
export type ImportRejection = z.infer<typeof ImportRejection>;

export const ImportSummary = z.object({
  kind: z.literal('servers.import'),
  rows: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  /** Checks added to the servers created (updated servers keep theirs). */
  checks: z.number().int().default(0),
  rejected: z.array(ImportRejection),
});
export type ImportSummary = z.infer<typeof ImportSummary>;

export const EXPORT_FORMATS = ['json', 'csv'] as const;

export const serversExport = method({
  name: 'servers.export',
  summary: 'Export servers (all, or those matching the filters) as JSON or CSV in the import format.',
  input: z.strictObject({ format: z.enum(EXPORT_FORMATS), ...ServerFilter }),
  output: z.object({ fileName: z.string(), mimeType: z.string(), count: z.number().int(), content: z.string() }),
  permission: 'servers:read',
  audit: { target: (input) => `export:${input.format}` },
  http: { method: 'GET', path: '/servers/export' },
});

export const serversChanged = event({
  name: 'servers.changed',
  summary: 'Servers were created, updated, deleted or imported.',
  payload: z.object({
    change: z.enum(['created', 'updated', 'deleted', 'imported']),
    ids: z.array(z.string()),
  }),
  permission: 'servers:read',
});

export const ProbeResult = z.object({
  reachable: z.boolean(),
  latencyMs: z.number().nullable(),
  message: z.string(),
});
export type ProbeResult = z.infer<typeof ProbeResult>;

export const serversProbe = method({
  name: 'servers.probe',
  summary:
    'Tries a TCP connection to host:port once and says how long it took, or why it failed. Audited, at most 30 a minute per caller, never to a cloud metadata address unless the monitoring settings allow them.',
  input: z.strictObject({
    host: ServerHost,
    port: CheckPort,
    timeoutMs: queryInt(100, 30_000).default(5_000),
  }),
  output: ProbeResult,
  permission: 'servers:write',
  audit: { target: (input) => `probe:${input.host}:${input.port}` },
  http: { method: 'POST', path: '/servers/probe' },
});
