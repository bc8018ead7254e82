import type { SecretKind } from '@shared/api/vault';
import type { CheckType } from '@shared/health';

/**
 * The form of each check type: which config fields it shows and how their text becomes the
 * config the contract validates (shared/health/<type>.ts). A field's key is its path in the
 * config, dotted ('keyword.text'), so the contract's issue paths name the field they are about.
 */

export type FieldKind =
  /** Free text; left out when empty unless `required`. */
  | 'text'
  /** Whole number; text that is not a number is sent as is, so the contract says why. */
  | 'int'
  | 'number'
  | 'select'
  | 'bool'
  /** Comma- or space-separated words → an array. */
  | 'list'
  | 'textarea'
  /** A vault secret, picked from secrets.list. */
  | 'secret'
  /** A JSON value: true, 42, null, or text. */
  | 'json'
  /** "Name: value" lines → a record. */
  | 'headers';

export interface FieldDef {
  key: string;
  label: string;
  kind: FieldKind;
  options?: readonly string[];
  help?: string;
  placeholder?: string;
  /** Sent (as '' when empty) so the contract's own message says it is missing. */
  required?: boolean;
  /** Shown under "More options", folded by default. */
  advanced?: boolean;
  /** Only sent when this other (text) field is filled in: keyword.mode needs keyword.text. */
  with?: string;
  /** Shown while the config has no value (the schema's default for a field inside an optional object). */
  initial?: string | boolean;
  /** For `secret`: the kinds of secret it may be. */
  secretKinds?: readonly SecretKind[];
}

export const CHECK_TYPE_LABELS: Record<CheckType, string> = {
  tcp: 'TCP port',
  http: 'HTTP(S)',
  tls: 'TLS certificate',
  dns: 'DNS record',
  ssh: 'SSH handshake',
  'ssh-metrics': 'SSH metrics (load, memory, disk)',
  game: 'Game server',
};

export const CHECK_TYPE_HELP: Record<CheckType, string> = {
  tcp: 'Up when the port accepts a connection.',
  http: 'Requests a URL: status code, keyword, JSON value, latency and, for https, the certificate.',
  tls: 'Opens a TLS connection and checks the certificate chain, its name and its expiry.',
  dns: 'Resolves a name and, optionally, expects a value among the answers.',
  ssh: 'Completes an SSH handshake and checks the host key pinned on first use.',
  'ssh-metrics': 'Logs in over SSH and reads load, memory and disk use against thresholds.',
  game: 'Queries a game server (Minecraft and others) for its status and players.',
};

const host: FieldDef = { key: 'host', label: 'Host', kind: 'text', required: true, help: 'DNS name, IPv4 or IPv6 address' };
const port = (help?: string): FieldDef => ({ key: 'port', label: 'Port', kind: 'int', ...(help ? { help } : {}) });

export const CHECK_FIELDS: Record<CheckType, readonly FieldDef[]> = {
  tcp: [host, { ...port(), required: true }],
  http: [
    { key: 'url', label: 'URL', kind: 'text', required: true, placeholder: 'https://example.com/health' },
    { key: 'method', label: 'Method', kind: 'select', options: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] },
    { key: 'expectedStatus', label: 'Expected status', kind: 'list', help: 'Codes or ranges that count as up, e.g. 200-299, 301' },
    { key: 'keyword.text', label: 'Keyword', kind: 'text', help: 'Text the body must contain (or must not)' },
    { key: 'keyword.mode', label: 'Keyword must be', kind: 'select', options: ['present', 'absent'], with: 'keyword.text' },
    { key: 'keyword.caseSensitive', label: 'Match case', kind: 'bool', with: 'keyword.text', initial: true },
    { key: 'json.path', label: 'JSON path', kind: 'text', placeholder: 'data.status', help: 'A dotted path into the JSON body' },
    { key: 'json.equals', label: 'JSON value equals', kind: 'json', with: 'json.path', help: 'true, 42, null or text; "42" for the text 42' },
    { key: 'degradedAboveMs', label: 'Degraded above (ms)', kind: 'number', help: 'Slower answers count as degraded' },
    { key: 'certExpiryDays', label: 'Certificate expiry warning (days)', kind: 'number', help: 'For https: degraded this close to expiry' },
    { key: 'followRedirects', label: 'Follow redirects', kind: 'bool', advanced: true },
    { key: 'maxRedirects', label: 'At most redirects', kind: 'int', advanced: true },
    { key: 'ignoreTlsErrors', label: 'Accept an untrusted certificate', kind: 'bool', advanced: true },
    {
      key: 'auth.credentialId',
      label: 'Authentication',
      kind: 'secret',
      secretKinds: ['api_token', 'password'],
      help: 'A token or password from the vault, linked to this server; sent only to this server’s host',
    },
    { key: 'auth.kind', label: 'Send it as', kind: 'select', options: ['bearer', 'basic', 'header'], with: 'auth.credentialId', initial: 'bearer' },
    {
      key: 'auth.headerName',
      label: 'Header name',
      kind: 'text',
      with: 'auth.credentialId',
      placeholder: 'X-Api-Key',
      help: 'For "header": the header the secret goes in',
    },
    { key: 'auth.username', label: 'User name', kind: 'text', with: 'auth.credentialId', help: 'For "basic": when the secret has none stored with it' },
    {
      key: 'headers',
      label: 'Request headers',
      kind: 'headers',
      advanced: true,
      help: 'One "Name: value" per line; credentials go under Authentication, not here',
    },
    { key: 'body', label: 'Request body', kind: 'textarea', advanced: true },
  ],
  tls: [
    host,
    port(),
    { key: 'servername', label: 'Certificate name', kind: 'text', help: 'The name the certificate must be for; the host when empty' },
    { key: 'expiryDegradedDays', label: 'Degraded within (days)', kind: 'number' },
    { key: 'expiryDownDays', label: 'Down within (days)', kind: 'number', help: '0: only once expired' },
    { key: 'allowUntrusted', label: 'Report an untrusted chain without calling it down', kind: 'bool', advanced: true },
  ],
  dns: [
    { key: 'name', label: 'Name', kind: 'text', required: true, placeholder: 'example.com' },
    { key: 'recordType', label: 'Record type', kind: 'select', options: ['A', 'AAAA', 'CNAME', 'MX', 'TXT'] },
    { key: 'server', label: 'Resolver', kind: 'text', help: 'ip or ip:port; the system resolvers when empty' },
    { key: 'expected', label: 'Expected answer', kind: 'text', help: 'An address, a name, an MX exchange or a TXT string' },
  ],
  ssh: [host, port()],
  // No host: a check that logs in connects to its server's own host, where the vault lets the credential go.
  'ssh-metrics': [
    port(),
    { key: 'user', label: 'User', kind: 'text', required: true, help: 'The login name on the server' },
    {
      key: 'credentialId',
      label: 'Credential',
      kind: 'secret',
      required: true,
      secretKinds: ['password', 'ssh_key'],
      help: 'A password or SSH key from the vault, linked to this server',
    },
    { key: 'thresholds.loadPerCore.degraded', label: 'Load per core: degraded above', kind: 'number' },
    { key: 'thresholds.loadPerCore.down', label: 'Load per core: down above', kind: 'number' },
    { key: 'thresholds.memoryPercent.degraded', label: 'Memory %: degraded above', kind: 'number' },
    { key: 'thresholds.memoryPercent.down', label: 'Memory %: down above', kind: 'number' },
    { key: 'thresholds.diskPercent.degraded', label: 'Disk %: degraded above', kind: 'number' },
    { key: 'thresholds.diskPercent.down', label: 'Disk %: down above', kind: 'number' },
    { key: 'mounts', label: 'Watched paths', kind: 'list', help: 'File systems holding these paths, e.g. / /var' },
  ],
  game: [
    { key: 'game', label: 'Game', kind: 'text', required: true, placeholder: 'minecraft', help: 'A gamedig game id' },
    host,
    port('The query port; the game’s usual one when empty'),
    { key: 'minPlayers', label: 'Degraded below players', kind: 'int' },
    { key: 'maxLatencyMs', label: 'Degraded above (ms)', kind: 'number' },
  ],
};

/** A few gamedig ids, offered as suggestions. */
export const GAME_SUGGESTIONS = ['minecraft', 'mbe', 'csgo', 'cs2', 'valheim', 'rust', 'ark', 'terraria', 'factorio', 'teamspeak3'];
