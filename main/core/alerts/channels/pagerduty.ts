import { PAGERDUTY_EVENTS_URL, pagerdutyConfig, type PagerdutyConfig } from '@shared/alerts/push';
import type { TargetPolicy } from '../targets';
import type { AlertChannelType, DeliveryResult } from './channel';
import { cut, type AlertEvent, type Summary } from './event';
import { post, resultOf, serviceTargetRefusal } from './http';

/**
 * PagerDuty, through the Events API v2 (docs/alerts.md; https://developer.pagerduty.com/docs/events-api-v2/trigger-events/):
 * an incident opened is a `trigger`, acknowledged an `acknowledge`, resolved a `resolve`, all
 * with the incident's id as `dedup_key`, so PagerDuty follows one alert through its life. The
 * routing key is the channel's vault secret. A 400 is an event PagerDuty will never take (failed
 * at once); a 429 or 5xx is retried. The Events API's URL is fixed unless an admin lists another
 * host in the alert settings, since the routing key goes wherever it points.
 */

const OWN = [new URL(PAGERDUTY_EVENTS_URL).hostname];

/** Words refusing an Events API URL an admin has not allowed, or null. */
export const pagerdutyTarget = (config: PagerdutyConfig, policy: TargetPolicy) => serviceTargetRefusal(config.eventsUrl, OWN, 'PagerDuty', policy);

export function pagerdutyEvent(event: AlertEvent, summary: Summary, routingKey: string, notificationId: string): unknown {
  if (event.type === 'incident.acknowledged' || event.type === 'incident.resolved')
    return { routing_key: routingKey, event_action: event.type === 'incident.resolved' ? 'resolve' : 'acknowledge', dedup_key: event.data.incident.id };
  const server = 'server' in event.data ? event.data.server : null;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    // A test, or an event about no server (a lockout, a failed job), opens an alert of its own, never one of an incident's.
    dedup_key: summary.incidentId ?? (event.type === 'alert.test' ? `guardian-test-${notificationId}` : `guardian-${notificationId}`),
    client: 'Guardian',
    payload: {
      summary: cut(`${summary.title}: ${summary.text}`, 1024),
      source: server?.name ?? 'guardian',
      severity: summary.tone === 'down' ? 'critical' : summary.tone === 'degraded' ? 'warning' : 'info',
      timestamp: summary.timestamp,
      ...(server
        ? { component: server.name, group: server.environment || undefined, class: 'incident' }
        : event.type === 'alert.test'
          ? {}
          : { class: event.type }),
      custom_details: Object.fromEntries(summary.fields.map(({ label, value }) => [label, value])),
    },
  };
}

export const pagerdutyChannel: AlertChannelType<PagerdutyConfig> = {
  type: 'pagerduty',
  configSchema: pagerdutyConfig,
  hostOf: (config) => new URL(config.eventsUrl).hostname,
  hostField: 'eventsUrl',
  secret: { required: true, kind: 'api_token', purpose: 'send' },
  targetRule: pagerdutyTarget,
  async send(config, delivery): Promise<DeliveryResult> {
    const refused = pagerdutyTarget(config, delivery.policy);
    if (refused) return { statusCode: null, error: refused, latencyMs: 0, retryAfterMs: null };
    const [routingKey = ''] = delivery.secrets;
    const result = await post(new URL(config.eventsUrl), JSON.stringify(pagerdutyEvent(delivery.event, delivery.summary, routingKey, delivery.id)), {
      policy: delivery.policy,
      timeoutMs: config.timeoutMs,
      verifyTls: true,
      now: delivery.now,
    });
    // 400: PagerDuty found the event invalid (a routing key of the wrong form among others); sending it again changes nothing.
    return { ...resultOf(result), permanent: result.statusCode === 400 };
  },
};
