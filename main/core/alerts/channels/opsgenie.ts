import { OPSGENIE_API_URLS, opsgenieConfig, type OpsgenieConfig } from '@shared/alerts/push';
import type { TargetPolicy } from '../targets';
import type { AlertChannelType, DeliveryResult } from './channel';
import { cut, type AlertEvent, type Summary } from './event';
import { post, refusedForGood, resultOf, serviceTargetRefusal } from './http';

/**
 * Opsgenie (docs/alerts.md; https://docs.opsgenie.com/docs/alert-api): an incident opened creates
 * an alert with the incident's id as its `alias`; acknowledged and resolved acknowledge and close
 * that alert by alias (`identifierType=alias`). The API integration's key is the channel's vault
 * secret, sent as `Authorization: GenieKey <key>`. Opsgenie answers 202 (it processes the request
 * afterwards); a 4xx other than 429 is refused for good.
 */

const OWN = OPSGENIE_API_URLS.map((url) => new URL(url).hostname);
const opsgenieTarget = (config: OpsgenieConfig, policy: TargetPolicy) => serviceTargetRefusal(config.apiUrl, OWN, 'Opsgenie', policy);

/** The path and body of the request an event makes. */
export function opsgenieRequest(event: AlertEvent, summary: Summary, notificationId: string): { path: string; body: unknown } {
  if (event.type === 'incident.acknowledged' || event.type === 'incident.resolved') {
    const action = event.type === 'incident.resolved' ? 'close' : 'acknowledge';
    const { incident } = event.data;
    return {
      path: `/v2/alerts/${encodeURIComponent(incident.id)}/${action}?identifierType=alias`,
      body: {
        source: 'Guardian',
        ...(action === 'acknowledge' && incident.acknowledgedBy ? { user: incident.acknowledgedBy } : {}),
        note: cut(action === 'close' ? summary.text : (incident.note ?? summary.title), 25_000),
      },
    };
  }
  return {
    path: '/v2/alerts',
    body: {
      message: cut(summary.title, 130),
      alias: summary.incidentId ?? (event.type === 'alert.test' ? `guardian-test-${notificationId}` : `guardian-${notificationId}`),
      description: cut(summary.text, 15_000),
      priority: summary.tone === 'down' ? 'P1' : summary.tone === 'degraded' ? 'P3' : 'P5',
      source: 'Guardian',
      ...('server' in event.data ? { entity: event.data.server.name, tags: event.data.server.tags.slice(0, 20) } : {}),
      details: Object.fromEntries(summary.fields.map(({ label, value }) => [label, value])),
    },
  };
}

export const opsgenieChannel: AlertChannelType<OpsgenieConfig> = {
  type: 'opsgenie',
  configSchema: opsgenieConfig,
  hostOf: (config) => new URL(config.apiUrl).hostname,
  hostField: 'apiUrl',
  secret: { required: true, kind: 'api_token', purpose: 'send' },
  targetRule: opsgenieTarget,
  async send(config, delivery): Promise<DeliveryResult> {
    const refused = opsgenieTarget(config, delivery.policy);
    if (refused) return { statusCode: null, error: refused, latencyMs: 0, retryAfterMs: null };
    const { path, body } = opsgenieRequest(delivery.event, delivery.summary, delivery.id);
    const url = new URL(config.apiUrl);
    const [pathname = '', search = ''] = path.split('?');
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${pathname}`;
    url.search = search;
    const result = await post(url, JSON.stringify(body), {
      policy: delivery.policy,
      timeoutMs: config.timeoutMs,
      verifyTls: true,
      now: delivery.now,
      headers: { authorization: `GenieKey ${delivery.secrets[0] ?? ''}` },
    });
    return { ...resultOf(result), permanent: refusedForGood(result.statusCode) };
  },
};
