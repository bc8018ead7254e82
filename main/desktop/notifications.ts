import { Incident } from '@shared/api/incidents';
import { durationWords } from '@shared/duration';
import type { EventSourceLike } from './ipc';
import type { DesktopSettings } from './desktop-settings';
import type { Time } from '@core/timers';

// Native notifications for incidents: "web-1 is down" when one opens, "web-1 is back up after
// 12 min" when it is resolved. Never more than the configured number a minute: beyond that the
// rest are collapsed into one ("5 servers are down"). Electron's Notification is injected.

export interface NotificationOptions {
  title: string;
  body: string;
  icon?: string;
}

/** The part of Electron's Notification used here. */
export interface NotificationLike {
  on(event: 'click' | 'close', listener: () => void): unknown;
  show(): void;
}

export type NotificationConstructor = new (options: NotificationOptions) => NotificationLike;

export type NotificationIcon = 'up' | 'degraded' | 'down';

export interface NotifierLog {
  warn(details: object, message: string): void;
}

export interface IncidentNotifierDeps {
  Notification: NotificationConstructor;
  /** Notification.isSupported(): false on a Linux desktop without a notification daemon. */
  isSupported(): boolean;
  events: EventSourceLike;
  settings(): Pick<DesktopSettings, 'notifications' | 'notificationsPerMinute'>;
  /** Opens (or brings to the front) the window on a page: `#/servers/<id>/health`. */
  open(route: string): void;
  /** An image for the notification, or undefined for the app's icon. */
  iconPath?(icon: NotificationIcon): string | undefined;
  timers: Time;
  log: NotifierLog;
  /** A burst beyond the individual notifications is gathered this long into one. */
  gatherMs?: number;
}

export interface IncidentNotifier {
  dispose(): void;
}

const MINUTE_MS = 60_000;
const GATHER_MS = 2_000;
/** Shown notifications kept referenced so their click handler lives (Electron's advice). */
const KEEP_SHOWN = 50;

/** The renderer's page for one server's health. */
export function serverHealthRoute(serverId: string): string {
  return `#/servers/${encodeURIComponent(serverId)}/health`;
}

/** The renderer's incident list: where a collapsed notification leads. */
export const INCIDENTS_ROUTE = '#/incidents';

type Notice = { kind: 'opened' | 'resolved'; incident: Incident };

interface Shown {
  options: NotificationOptions;
  route: string;
}

/** One notification for one incident. */
export function incidentNotification(notice: Notice): Shown & { icon: NotificationIcon } {
  const { incident } = notice;
  const name = incident.serverName;
  if (notice.kind === 'opened') {
    const down = incident.severity === 'down';
    return {
      options: { title: `${name} is ${down ? 'down' : 'degraded'}`, body: incident.cause || 'No cause was recorded.' },
      route: serverHealthRoute(incident.serverId),
      icon: down ? 'down' : 'degraded',
    };
  }
  const after = durationWords(incident.durationMs);
  const title = incident.severity === 'down' ? `${name} is back up after ${after}` : `${name} is back to normal after ${after}`;
  return {
    options: { title, body: incident.cause ? `It was ${incident.severity}: ${incident.cause}` : `It was ${incident.severity}.` },
    route: serverHealthRoute(incident.serverId),
    icon: 'up',
  };
}

/** "web-1, web-2, web-3 and 2 more". */
function nameList(names: readonly string[], shown = 3): string {
  if (names.length <= shown) return names.join(', ');
  return `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

/** The one notification a held burst is collapsed into. */
export function summaryNotification(held: readonly Notice[]): Shown & { icon: NotificationIcon } {
  const opened = held.filter((notice) => notice.kind === 'opened').map((notice) => notice.incident);
  const resolved = held.filter((notice) => notice.kind === 'resolved').map((notice) => notice.incident);
  const lines: string[] = [];
  let title: string;
  let icon: NotificationIcon;
  if (opened.length > 0) {
    const allDown = opened.every((incident) => incident.severity === 'down');
    const allDegraded = opened.every((incident) => incident.severity === 'degraded');
    const state = allDown ? 'down' : allDegraded ? 'degraded' : 'down or degraded';
    title = opened.length === 1 ? `1 server is ${state}` : `${opened.length} servers are ${state}`;
    icon = allDegraded ? 'degraded' : 'down';
    lines.push(nameList(opened.map((incident) => incident.serverName)));
    if (resolved.length > 0) lines.push(`Back up: ${nameList(resolved.map((incident) => incident.serverName))}`);
  } else {
    title = resolved.length === 1 ? '1 server is back up' : `${resolved.length} servers are back up`;
    icon = 'up';
    lines.push(nameList(resolved.map((incident) => incident.serverName)));
  }
  return { options: { title, body: lines.join('\n') }, route: INCIDENTS_ROUTE, icon };
}

export function createIncidentNotifier(deps: IncidentNotifierDeps): IncidentNotifier {
  const { timers } = deps;
  const gatherMs = deps.gatherMs ?? GATHER_MS;
  /** When each notification of the last minute was shown. */
  let sentAt: number[] = [];
  let held: Notice[] = [];
  let flushTimer: unknown = null;
  const live = new Set<NotificationLike>();
  let disposed = false;

  const recent = () => {
    const since = timers.now() - MINUTE_MS;
    sentAt = sentAt.filter((at) => at > since);
    return sentAt.length;
  };

  function show(shown: Shown & { icon: NotificationIcon }): void {
    try {
      const icon = deps.iconPath?.(shown.icon);
      const notification = new deps.Notification(icon ? { ...shown.options, icon } : shown.options);
      const forget = () => live.delete(notification);
      notification.on('click', () => {
        forget();
        deps.open(shown.route);
      });
      notification.on('close', forget);
      live.add(notification);
      if (live.size > KEEP_SHOWN) {
        const [oldest] = live;
        if (oldest) live.delete(oldest);
      }
      notification.show();
      sentAt.push(timers.now());
    } catch (cause) {
      deps.log.warn({ err: cause }, 'a notification could not be shown');
    }
  }

  function scheduleFlush(): void {
    if (flushTimer !== null) return;
    const limit = deps.settings().notificationsPerMinute;
    const full = recent() >= limit;
    const [oldest = timers.now()] = sentAt;
    const wait = full ? Math.max(gatherMs, oldest + MINUTE_MS - timers.now() + 1) : gatherMs;
    flushTimer = timers.setTimeout(flush, wait);
  }

  function flush(): void {
    flushTimer = null;
    if (disposed || held.length === 0) return;
    const { notifications, notificationsPerMinute } = deps.settings();
    if (!notifications || !deps.isSupported()) {
      held = [];
      return;
    }
    if (recent() >= notificationsPerMinute) {
      scheduleFlush();
      return;
    }
    const burst = held;
    held = [];
    const [only] = burst;
    show(burst.length === 1 && only ? incidentNotification(only) : summaryNotification(burst));
  }

  function notice(next: Notice): void {
    const { notifications, notificationsPerMinute } = deps.settings();
    if (!notifications || !deps.isSupported()) {
      held = [];
      return;
    }
    if (next.kind === 'resolved') {
      // Down and back up again before it was ever announced: nothing to tell.
      const waiting = held.findIndex((notice) => notice.kind === 'opened' && notice.incident.id === next.incident.id);
      if (waiting !== -1) {
        held.splice(waiting, 1);
        return;
      }
    }
    // The last notification of a minute is kept for the summary of whatever comes beyond.
    if (held.length === 0 && recent() < notificationsPerMinute - 1) {
      show(incidentNotification(next));
      return;
    }
    held.push(next);
    scheduleFlush();
  }

  const unsubscribe = deps.events.subscribe((name, payload) => {
    if (name !== 'incident.opened' && name !== 'incident.resolved') return;
    const parsed = Incident.safeParse(payload);
    if (!parsed.success) {
      deps.log.warn({ event: name }, 'an incident event did not match the contract; no notification');
      return;
    }
    notice({ kind: name === 'incident.opened' ? 'opened' : 'resolved', incident: parsed.data });
  });

  return {
    dispose() {
      if (disposed) return;
      disposed = true;
      unsubscribe();
      if (flushTimer !== null) timers.clearTimeout(flushTimer);
      flushTimer = null;
      held = [];
      live.clear();
    },
  };
}
