import { validationError, zodIssues } from '@shared/api';
import { alertsCreateRule, SOURCE_CATEGORIES, type AlertMatch, type AlertRule, type SourceCategory } from '@shared/api/alerts';
import { CHECK_TYPES, type CheckType } from '@shared/health';
import { placeErrors, splitList, type FieldErrors } from './form-errors';

/** Servers a rule can name one by one (read by name); a larger fleet is matched by tag or environment. */
export const SERVER_CHOICES = 1000;

export const SEVERITIES = ['degraded', 'down'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A matcher as typed: tags and environments as comma-separated text. */
export interface MatchFormValues {
  serverIds: string[];
  tags: string;
  environments: string;
  severities: Severity[];
  checkTypes: CheckType[];
}

export const EMPTY_MATCH: MatchFormValues = { serverIds: [], tags: '', environments: '', severities: [], checkTypes: [] };

/** Where the contract's issues on a matcher land. */
export const MATCH_FIELDS = ['match', 'match.serverIds', 'match.tags', 'match.environments', 'match.severities', 'match.checkTypes'];

/** The matcher the contract takes, from the form. */
export function matchOf(values: MatchFormValues): AlertMatch {
  return {
    serverIds: values.serverIds,
    tags: splitList(values.tags),
    environments: splitList(values.environments),
    severities: values.severities,
    checkTypes: values.checkTypes,
  };
}

/** The most escalation steps a rule may have (the contract's bound). */
export const MAX_STEPS = 5;

/** An escalation step as typed: its minutes as text. */
export interface StepFormValues {
  afterMinutes: string;
  channelIds: string[];
}

/** What a rule can hear of, in the form's words (docs/alerts.md, "Sources about no server"). */
export const SOURCE_LABELS: Record<SourceCategory, string> = {
  incidents: 'Incidents',
  security: 'Security events',
  jobs: 'Failed jobs',
};

/** The rule form as typed; the repeat's minutes are kept while it is off, so ticking it again restores them. */
export interface RuleFormValues extends MatchFormValues {
  name: string;
  sources: SourceCategory[];
  channelIds: string[];
  escalation: StepFormValues[];
  repeat: boolean;
  repeatMinutes: string;
  enabled: boolean;
}

/** Where the contract's issues on a rule with `steps` escalation steps land ('escalation.1.afterMinutes'). */
export function ruleFields(steps: number): string[] {
  const stepFields = Array.from({ length: steps }, (_, i) => [`escalation.${i}.afterMinutes`, `escalation.${i}.channelIds`]).flat();
  return ['name', 'sources', ...MATCH_FIELDS, 'channelIds', 'escalation', ...stepFields, 'repeatMinutes', 'enabled'];
}

/** A new step: 30 minutes after the one before (or after opening), no channel yet. */
export function nextStep(steps: readonly StepFormValues[]): StepFormValues {
  const before = Number(steps.at(-1)?.afterMinutes ?? 0);
  return { afterMinutes: String(Number.isInteger(before) ? before + 30 : 30), channelIds: [] };
}

export function ruleValues(rule: AlertRule | undefined): RuleFormValues {
  if (!rule) return { name: '', sources: ['incidents'], ...EMPTY_MATCH, channelIds: [], escalation: [], repeat: false, repeatMinutes: '30', enabled: true };
  return {
    name: rule.name,
    sources: [...rule.sources],
    serverIds: [...rule.match.serverIds],
    tags: rule.match.tags.join(', '),
    environments: rule.match.environments.join(', '),
    severities: [...rule.match.severities],
    checkTypes: CHECK_TYPES.filter((type) => rule.match.checkTypes.includes(type)),
    channelIds: [...rule.channelIds],
    escalation: rule.escalation.map((step) => ({ afterMinutes: String(step.afterMinutes), channelIds: [...step.channelIds] })),
    repeat: rule.repeatMinutes !== null,
    repeatMinutes: String(rule.repeatMinutes ?? 30),
    enabled: rule.enabled,
  };
}

export interface RuleFields {
  name: string;
  sources: SourceCategory[];
  match: AlertMatch;
  channelIds: string[];
  escalation: AlertRule['escalation'];
  repeatMinutes: number | null;
  enabled: boolean;
}

const WHOLE_MINUTES = 'A whole number of minutes';
/** Minutes as typed: a whole number, or NaN. */
const minutesOf = (text: string) => (/^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN);
/** The contract's own checks on escalation and repeat (bounds, order, a channel per step), run before sending. */
const EscalationInput = alertsCreateRule.input.pick({ escalation: true, repeatMinutes: true });

/**
 * What the form checks before sending: a name, a channel, and the escalation and repeat as the
 * contract judges them, each message under its field; tag and environment spelling is the server's to judge.
 */
export function checkRule(values: RuleFormValues): { ok: true; fields: RuleFields } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (values.name.trim() === '') errors.name = 'Name the rule after what it is for, e.g. “production down”.';
  if (values.channelIds.length === 0) errors.channelIds = 'Tick at least one channel to send to.';
  if (values.sources.length === 0) errors.sources = 'Tick at least one source: incidents, security events or failed jobs.';
  const escalation = values.escalation.map((step) => ({ afterMinutes: minutesOf(step.afterMinutes), channelIds: step.channelIds }));
  const repeatMinutes = values.repeat ? minutesOf(values.repeatMinutes) : null;
  escalation.forEach((step, i) => {
    if (Number.isNaN(step.afterMinutes)) errors[`escalation.${i}.afterMinutes`] = WHOLE_MINUTES;
  });
  if (Number.isNaN(repeatMinutes)) errors.repeatMinutes = WHOLE_MINUTES;
  const parsed = EscalationInput.safeParse({ escalation, repeatMinutes });
  if (!parsed.success) {
    const placed = placeErrors(validationError(zodIssues(parsed.error)), ruleFields(escalation.length));
    for (const [key, message] of Object.entries(placed.fields)) errors[key] ??= message;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    fields: {
      name: values.name.trim(),
      sources: SOURCE_CATEGORIES.filter((source) => values.sources.includes(source)),
      match: matchOf(values),
      channelIds: values.channelIds,
      escalation,
      repeatMinutes,
      enabled: values.enabled,
    },
  };
}

/** A rule's or a silence's match in words: "any server" when every list is empty. */
export function describeMatch(match: AlertRule['match'], serverName: (id: string) => string): string[] {
  const parts: string[] = [];
  if (match.serverIds.length) parts.push(`servers ${match.serverIds.map(serverName).join(', ')}`);
  if (match.tags.length) parts.push(`tags ${match.tags.join(', ')}`);
  if (match.environments.length) parts.push(`environments ${match.environments.join(', ')}`);
  if (match.severities.length) parts.push(`severity ${match.severities.join(' or ')}`);
  if (match.checkTypes.length) parts.push(`${match.checkTypes.join(' or ')} checks`);
  return parts.length ? parts : ['Any incident of any server'];
}

/**
 * A rule's sources and matcher in words. Servers, tags, environments and check types pick
 * incidents alone; severities pick every source (docs/alerts.md, "Sources about no server").
 */
export function describeRule(rule: Pick<AlertRule, 'sources' | 'match'>, serverName: (id: string) => string): string[] {
  const others = rule.sources.filter((source) => source !== 'incidents');
  if (others.length === 0) return describeMatch(rule.match, serverName);
  const also = others.map((source) => SOURCE_LABELS[source].toLowerCase()).join(' and ');
  const severity = rule.match.severities.length ? [`severity ${rule.match.severities.join(' or ')}`] : [];
  if (!rule.sources.includes('incidents')) return [`${also[0]?.toUpperCase() ?? ''}${also.slice(1)} only`, ...severity];
  return [...describeMatch(rule.match, serverName), `Also ${also}${severity.length ? ` of ${severity[0] ?? ''}` : ''}`];
}
