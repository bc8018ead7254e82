import type { AlertRule } from '../api/alerts';

/**
 * A rule's escalation steps and repeat in words, as the Alerts page and `guardian alert rule list`
 * show them: "then Second line after 10 min; repeats every 30 min", or '' when it has neither.
 */
export function describeEscalation(rule: Pick<AlertRule, 'escalation' | 'repeatMinutes'>, channelName: (id: string) => string): string {
  const parts = rule.escalation.map((step) => `then ${step.channelIds.map(channelName).join(', ')} after ${step.afterMinutes} min`);
  if (rule.repeatMinutes !== null) parts.push(`repeats every ${rule.repeatMinutes} min`);
  return parts.join('; ');
}
