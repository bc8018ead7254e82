import type { AlertRule } from '@shared/api/alerts';
import { splitList, type FieldErrors } from './form-errors';

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
}

export const EMPTY_MATCH: MatchFormValues = { serverIds: [], tags: '', environments: '', severities: [] };

/** Where the contract's issues on a matcher land. */
export const MATCH_FIELDS = ['match', 'match.serverIds', 'match.tags', 'match.environments', 'match.severities'];

/** The matcher the contract takes, from the form. */
export function matchOf(values: MatchFormValues): AlertRule['match'] {
  return { serverIds: values.serverIds, tags: splitList(values.tags), environments: splitList(values.environments), severities: values.severities };
}

/** The rule form as typed. */
export interface RuleFormValues extends MatchFormValues {
  name: string;
  channelIds: string[];
  enabled: boolean;
}

/** Where the contract's issues on a rule land. */
export const RULE_FIELDS = ['name', ...MATCH_FIELDS, 'channelIds', 'enabled'];

export function ruleValues(rule: AlertRule | undefined): RuleFormValues {
  if (!rule) return { name: '', ...EMPTY_MATCH, channelIds: [], enabled: true };
  return {
    name: rule.name,
    serverIds: [...rule.match.serverIds],
    tags: rule.match.tags.join(', '),
    environments: rule.match.environments.join(', '),
    severities: [...rule.match.severities],
    channelIds: [...rule.channelIds],
    enabled: rule.enabled,
  };
}

export interface RuleFields {
  name: string;
  match: { serverIds: string[]; tags: string[]; environments: string[]; severities: Severity[] };
  channelIds: string[];
  enabled: boolean;
}

/** What the form checks before sending (a name, a channel); tag and environment spelling is the server's to judge. */
export function checkRule(values: RuleFormValues): { ok: true; fields: RuleFields } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (values.name.trim() === '') errors.name = 'Name the rule after what it is for, e.g. “production down”.';
  if (values.channelIds.length === 0) errors.channelIds = 'Tick at least one channel to send to.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    fields: {
      name: values.name.trim(),
      match: matchOf(values),
      channelIds: values.channelIds,
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
  return parts.length ? parts : ['Any incident of any server'];
}
