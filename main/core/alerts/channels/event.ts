import { z } from 'zod';
import { EVENT_SOURCES, INCIDENT_SOURCES } from '@shared/api/alerts';
import { applyTemplate, linkOf, pageLinkOf, sampleFacts, type MessageTemplate, type TemplateFacts } from '@shared/alerts/template';

/**
 * What a notification is about, as the outbox stores it (its `payload`) and the webhook sends it
 * byte for byte: an incident change, an event about no server (a lockout, a failed job), or a
 * channel's test. Every other channel renders its own
 * message from it (`summaryOf`), in the channel's wording: one fact, many renderings.
 *
 * No link back to Guardian is stored in it: the address an admin gives (the alert settings'
 * `publicUrl`) is the one of the moment a message is sent, so a corrected address mends the
 * links of what has not gone out yet.
 */

const IncidentData = z.object({
  incident: z.object({
    id: z.string(),
    severity: z.string(),
    startedAt: z.number(),
    endedAt: z.number().nullable(),
    cause: z.string().nullable(),
    /** The types of its bad checks; absent from a notification written before incidents recorded them. */
    checkTypes: z.array(z.string()).optional(),
    acknowledgedAt: z.number().nullable(),
    acknowledgedBy: z.string().nullable(),
    note: z.string().nullable(),
  }),
  server: z.object({ id: z.string(), name: z.string(), environment: z.string().nullable(), tags: z.array(z.string()) }),
});

/**
 * An event about no server (docs/alerts.md, "Sources about no server"): its words are written
 * when it happens, by the domain it happened in, and never hold a secret.
 */
export const EventData = z.object({
  severity: z.enum(['degraded', 'down']),
  title: z.string(),
  message: z.string(),
  /** What it is about: an account, an API key, a job, the audit log. */
  about: z.object({ kind: z.string(), id: z.string(), name: z.string().nullable() }),
  facts: z.array(z.object({ label: z.string(), value: z.string() })),
  /** The page of Guardian it concerns (`#/audit`, `#/jobs`), for a link back once Guardian's address is set. */
  page: z.string().nullable(),
});
export type EventData = z.infer<typeof EventData>;

const AlertEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.enum(INCIDENT_SOURCES), timestamp: z.string(), data: IncidentData }),
  z.object({ type: z.enum(EVENT_SOURCES), timestamp: z.string(), data: EventData }),
  z.object({
    type: z.literal('alert.test'),
    timestamp: z.string(),
    data: z.object({ channel: z.object({ id: z.string(), name: z.string() }), message: z.string() }),
  }),
]);
export type AlertEvent = z.infer<typeof AlertEventSchema>;
export type IncidentEvent = Extract<AlertEvent, { data: { incident: unknown } }>;
export type NoServerEvent = Extract<AlertEvent, { data: { about: unknown } }>;

/**
 * The event a stored payload is, or null when it is not one this Guardian can read. The payload
 * itself is returned (not zod's copy) so that the webhook's JSON keeps its keys in their order.
 */
export function eventOf(payload: unknown): AlertEvent | null {
  return AlertEventSchema.safeParse(payload).success ? (payload as AlertEvent) : null;
}

/** A test notification for a channel. */
export function testEvent(channel: { id: string; name: string }, at: number): AlertEvent {
  return {
    type: 'alert.test',
    timestamp: new Date(at).toISOString(),
    data: { channel: { id: channel.id, name: channel.name }, message: 'A test notification from Guardian: this channel works.' },
  };
}

/** How bad it is, for a channel that shows it (a colour, a priority, a PagerDuty severity). */
export type Tone = 'down' | 'degraded' | 'resolved' | 'acknowledged' | 'test';

export interface Summary {
  tone: Tone;
  /** One line: "web-1 is down", "web-1 recovered". */
  title: string;
  /** What happened, in a sentence or two, plain text. */
  text: string;
  /** Label and value pairs, plain text, in order. */
  fields: { label: string; value: string }[];
  /** The incident's id (a PagerDuty dedup key, an email's thread), or null for a test. */
  incidentId: string | null;
  /** When it happened, ISO 8601. */
  timestamp: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * How a channel words its messages: its template (shared/alerts/template.ts), or none for
 * Guardian's own words; and the address people reach Guardian at, for a link back to the server's
 * page, or null when an admin has not said it (docs/alerts.md, "Message templates").
 */
export interface Wording {
  template: MessageTemplate | null;
  publicUrl: string | null;
}
const OWN_WORDING: Wording = { template: null, publicUrl: null };

/** The facts a template is filled from, for an incident event. */
const factsOf = (event: IncidentEvent): TemplateFacts => ({ source: event.type, at: Date.parse(event.timestamp), ...event.data });

/**
 * The words every rendering of an event shares, in the channel's wording: its template's title
 * and text where it has them, and a link to the server's page when Guardian's address is known.
 */
export function summaryOf(event: AlertEvent, wording: Wording = OWN_WORDING): Summary {
  if (event.type === 'alert.test') {
    const { template } = wording;
    const sample =
      template && (template.title !== null || template.text !== null)
        ? applyTemplate(template, sampleFacts(Date.parse(event.timestamp)), wording.publicUrl, { title: '', text: '' })
        : null;
    return {
      tone: 'test',
      title: `Test notification for "${event.data.channel.name}"`,
      text: sample
        ? `${event.data.message}\nWith this channel’s template, an incident reads:\n${[sample.title, sample.text].filter(Boolean).join('\n')}`
        : event.data.message,
      fields: [],
      incidentId: null,
      timestamp: event.timestamp,
    };
  }
  if ('about' in event.data) return eventSummary(event as NoServerEvent, wording);
  const own = ownSummary(event as IncidentEvent);
  const link = linkOf(wording.publicUrl, event.data.server.id);
  return {
    ...own,
    ...applyTemplate(wording.template, factsOf(event as IncidentEvent), wording.publicUrl, own),
    fields: link ? [...own.fields, { label: 'Link', value: link }] : own.fields,
  };
}

/** The words of an event about no server: its own title, message and facts, or the channel's template. */
function eventSummary(event: NoServerEvent, wording: Wording): Summary {
  const { data } = event;
  const at = Date.parse(event.timestamp);
  const own = { title: data.title, text: data.message };
  const link = pageLinkOf(wording.publicUrl, data.page);
  const fields = [
    ...data.facts,
    { label: 'Severity', value: data.severity },
    { label: 'When', value: event.timestamp },
    ...(link ? [{ label: 'Link', value: link }] : []),
  ];
  return {
    tone: data.severity,
    ...applyTemplate(wording.template, { source: event.type, at, severity: data.severity, text: data.message, page: data.page }, wording.publicUrl, own),
    fields,
    incidentId: null,
    timestamp: event.timestamp,
  };
}

/** Guardian's own words for an incident event. */
function ownSummary(event: IncidentEvent): Summary {
  const { incident, server } = event.data;
  const severity = incident.severity === 'down' ? 'down' : 'degraded';
  const fields = [
    { label: 'Server', value: server.name },
    ...(server.environment ? [{ label: 'Environment', value: server.environment }] : []),
    ...(server.tags.length > 0 ? [{ label: 'Tags', value: server.tags.join(', ') }] : []),
    { label: 'Severity', value: severity },
    ...(incident.checkTypes?.length ? [{ label: 'Checks', value: incident.checkTypes.join(', ') }] : []),
    { label: 'Started', value: iso(incident.startedAt) },
  ];
  const base = { incidentId: incident.id, timestamp: event.timestamp, fields };
  const cause = incident.cause ?? 'no cause recorded';
  switch (event.type) {
    case 'incident.opened':
      return { ...base, tone: severity, title: `${server.name} is ${severity}`, text: cause };
    case 'incident.worsened':
      return { ...base, tone: 'down', title: `${server.name} is now down (it was degraded)`, text: cause };
    case 'incident.resolved':
      return {
        ...base,
        tone: 'resolved',
        title: `${server.name} recovered`,
        text: `The incident is resolved (it was: ${cause}).`,
        fields: [...fields, ...(incident.endedAt === null ? [] : [{ label: 'Ended', value: iso(incident.endedAt) }])],
      };
    case 'incident.acknowledged':
      return {
        ...base,
        tone: 'acknowledged',
        title: `${server.name}: incident acknowledged${incident.acknowledgedBy ? ` by ${incident.acknowledgedBy}` : ''}`,
        text: incident.note ? `${cause}\nNote: ${incident.note}` : cause,
        fields: [...fields, ...(incident.acknowledgedBy ? [{ label: 'Acknowledged by', value: incident.acknowledgedBy }] : [])],
      };
    case 'incident.unacknowledged': {
      const minutes = Math.max(0, Math.floor((Date.parse(event.timestamp) - incident.startedAt) / 60_000));
      const open = minutes < 120 ? `${minutes} minutes` : `${Math.floor(minutes / 60)} hours ${minutes % 60} minutes`;
      return {
        ...base,
        tone: severity,
        title: `${server.name} is still ${severity}, and nobody has acknowledged it`,
        text: `Open for ${open} without an acknowledgement: ${cause}`,
      };
    }
  }
}

/** A colour per tone, for the channels that show one (a Slack or Mattermost bar, a Discord embed). */
export const TONE_COLOR: Record<Tone, string> = {
  down: '#d92d20',
  degraded: '#f79009',
  resolved: '#12b76a',
  acknowledged: '#2e90fa',
  test: '#667085',
};

/** The line every chat message ends with: where it came from and which notification it is. */
export function footerOf(summary: Summary, notificationId: string): string {
  return `Guardian · notification ${notificationId}${summary.incidentId ? ` · incident ${summary.incidentId}` : ''} · ${summary.timestamp}`;
}

/** `text` cut to `max` characters (a service's field limit), with an ellipsis when cut. */
export function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Text made safe inside HTML (email, Telegram, Matrix): &, <, >, " and ' escaped. */
export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char);
