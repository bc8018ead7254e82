import { z } from 'zod';
import type { EventSource, IncidentSource } from '../api/alerts';
import { durationWords } from '../duration';

/**
 * A channel's own wording (docs/alerts.md, "Message templates"): a title and a text written with
 * `{{variable}}` placeholders, each filled with a fact of the incident. Left empty, Guardian's
 * own wording is used. Only the variables below exist: a misspelt one is refused when the channel
 * is saved, so a message never goes out saying `{{sevrity}}`. The values are plain text; each
 * channel escapes them as its service needs (Slack's mrkdwn, HTML for mail, Telegram and Matrix),
 * so a template cannot inject markup any more than an incident's cause can.
 */
export const TEMPLATE_VARIABLES = {
  server: 'the server’s name',
  environment: 'its environment (empty when none)',
  tags: 'its tags, comma-separated',
  status: 'what happened: down, degraded, still down, recovered, acknowledged',
  severity: 'the incident’s severity: down or degraded',
  checks: 'the types of its bad checks, comma-separated (http, tcp…)',
  cause: 'the bad checks and what they said',
  since: 'when the incident opened (ISO 8601, UTC)',
  duration: 'how long it has been open, or lasted (e.g. 1 h 5 min)',
  acknowledgedBy: 'who acknowledged it (empty until someone does)',
  note: 'the acknowledgement’s note (empty when none)',
  link: 'the server’s page in Guardian (empty until an admin sets Guardian’s address)',
  incident: 'the incident’s id',
  source: 'what it is: incident.opened, security.lockout, job.failed… (docs/alerts.md, "Sources")',
} as const;
export type TemplateVariable = keyof typeof TEMPLATE_VARIABLES;
export const TEMPLATE_VARIABLE_NAMES = Object.keys(TEMPLATE_VARIABLES) as TemplateVariable[];

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** The placeholders a template names that are no variable, each once, in order. */
export function unknownVariables(template: string): string[] {
  const unknown = [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '').filter((name) => !(name in TEMPLATE_VARIABLES));
  return [...new Set(unknown)];
}

/** A template with each placeholder replaced by its value (in one pass: a value holding `{{…}}` stays as it is). */
export function renderTemplate(template: string, values: Readonly<Record<TemplateVariable, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (name in values ? values[name as TemplateVariable] : whole));
}

const known = (template: string | null, ctx: z.RefinementCtx) => {
  const unknown = template === null ? [] : unknownVariables(template);
  if (unknown.length > 0)
    ctx.addIssue({
      code: 'custom',
      message: `No such variable: ${unknown.map((name) => `{{${name}}}`).join(', ')}. Use ${TEMPLATE_VARIABLE_NAMES.map((name) => `{{${name}}}`).join(', ')}`,
    });
};

/** Empty (or only spaces) means Guardian's own wording. */
const part = (max: number, what: string) =>
  z
    .string()
    .max(max, `The ${what} is at most ${max} characters`)
    .nullable()
    .default(null)
    .transform((text) => (text === null || text.trim() === '' ? null : text))
    .superRefine(known);

export const messageTemplate = z
  .strictObject({
    /** The message's title or subject line: "{{server}} is {{status}}". */
    title: part(200, 'title'),
    /** Its text, before the fields Guardian adds: "{{cause}} (since {{since}})". */
    text: part(2000, 'text'),
  })
  .prefault({});
export type MessageTemplate = z.output<typeof messageTemplate>;

/** What a template is filled from: the change, when it was told, the incident and its server. */
export interface TemplateFacts {
  source: IncidentSource;
  at: number;
  incident: {
    id: string;
    severity: string;
    startedAt: number;
    endedAt: number | null;
    cause: string | null;
    /** Absent from a notification written before incidents recorded them. */
    checkTypes?: readonly string[] | undefined;
    acknowledgedBy: string | null;
    note: string | null;
  };
  server: { id: string; name: string; environment: string | null; tags: readonly string[] };
}

const STATUS_WORDS: Record<IncidentSource, (severity: string) => string> = {
  'incident.opened': (severity) => severity,
  'incident.worsened': () => 'down',
  'incident.resolved': () => 'recovered',
  'incident.acknowledged': () => 'acknowledged',
  'incident.unacknowledged': (severity) => `still ${severity}`,
};

/** The server's page in Guardian under the address an admin gave, or '' without one. */
export function linkOf(publicUrl: string | null, serverId: string): string {
  return publicUrl ? new URL(`#/servers/${encodeURIComponent(serverId)}/health`, publicUrl).href : '';
}

/** The value of every variable, as plain text. */
export function templateValues({ source, at, incident, server }: TemplateFacts, publicUrl: string | null): Record<TemplateVariable, string> {
  const severity = incident.severity === 'down' ? 'down' : 'degraded';
  return {
    server: server.name,
    environment: server.environment ?? '',
    tags: server.tags.join(', '),
    status: STATUS_WORDS[source](severity),
    severity,
    checks: (incident.checkTypes ?? []).join(', '),
    cause: incident.cause ?? 'no cause recorded',
    since: new Date(incident.startedAt).toISOString(),
    duration: durationWords((incident.endedAt ?? at) - incident.startedAt),
    acknowledgedBy: incident.acknowledgedBy ?? '',
    note: incident.note ?? '',
    link: linkOf(publicUrl, server.id),
    incident: incident.id,
    source,
  };
}

/** What a template is filled from for a source about no server: what happened, when, and the Guardian page it concerns. */
export interface EventFacts {
  source: EventSource;
  at: number;
  severity: 'degraded' | 'down';
  /** What happened, in a sentence or two. */
  text: string;
  /** The page of Guardian it concerns (`#/audit`, `#/jobs`), or null. */
  page: string | null;
}

const EVENT_STATUS: Record<EventSource, string> = {
  'security.lockout': 'locked out',
  'security.signin-burst': 'failed sign-ins',
  'audit.chain-broken': 'audit chain broken',
  'apikey.created': 'API key created',
  'job.failed': 'failed',
};

/** A Guardian page under the address an admin gave, or '' without one. */
export function pageLinkOf(publicUrl: string | null, page: string | null): string {
  return publicUrl && page ? new URL(page, publicUrl).href : '';
}

/** The value of every variable for a source about no server: its server's, check's and incident's are empty. */
export function eventTemplateValues(facts: EventFacts, publicUrl: string | null): Record<TemplateVariable, string> {
  return {
    server: '',
    environment: '',
    tags: '',
    status: EVENT_STATUS[facts.source],
    severity: facts.severity,
    checks: '',
    cause: facts.text,
    since: new Date(facts.at).toISOString(),
    duration: '',
    acknowledgedBy: '',
    note: '',
    link: pageLinkOf(publicUrl, facts.page),
    incident: '',
    source: facts.source,
  };
}

/** An incident made up to show a template (the channel form's preview, a test notification): what a real one reads like. */
export function sampleFacts(at: number): TemplateFacts {
  return {
    source: 'incident.opened',
    at,
    incident: {
      id: 'example-incident',
      severity: 'down',
      startedAt: at - 5 * 60_000,
      endedAt: null,
      cause: 'HTTPS check down: connection refused',
      checkTypes: ['http'],
      acknowledgedBy: null,
      note: null,
    },
    server: { id: 'example-server', name: 'web-1 (example)', environment: 'production', tags: ['web'] },
  };
}

/** A template's title and text for these facts, each the `own` wording where the template leaves it empty. */
export function applyTemplate(
  template: MessageTemplate | null,
  facts: TemplateFacts | EventFacts,
  publicUrl: string | null,
  own: { title: string; text: string },
): { title: string; text: string } {
  if (!template || (template.title === null && template.text === null)) return own;
  const values = 'incident' in facts ? templateValues(facts, publicUrl) : eventTemplateValues(facts, publicUrl);
  return {
    title: template.title === null ? own.title : renderTemplate(template.title, values),
    text: template.text === null ? own.text : renderTemplate(template.text, values),
  };
}
