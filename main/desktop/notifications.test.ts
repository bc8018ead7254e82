import { describe, expect, it, vi } from 'vitest';
import type { Incident } from '@shared/api/incidents';
import { EventBus } from '@core/events/bus';
import { FakeTime } from '@core/testing/fake-time';
import { durationWords } from '@shared/duration';
import { createIncidentNotifier, INCIDENTS_ROUTE, serverHealthRoute, type NotificationLike, type NotificationOptions } from './notifications';

/** Every notification constructed, in order; `click()` acts as the user clicking it. */
function fakeNotifications(now: () => number) {
  const shown: (NotificationOptions & { at: number; click(): void; close(): void })[] = [];
  class FakeNotification implements NotificationLike {
    private listeners = new Map<string, () => void>();
    constructor(private readonly options: NotificationOptions) {}
    on(event: 'click' | 'close', listener: () => void) {
      this.listeners.set(event, listener);
    }
    show() {
      shown.push({ ...this.options, at: now(), click: () => this.listeners.get('click')?.(), close: () => this.listeners.get('close')?.() });
    }
  }
  return { Notification: FakeNotification, shown };
}

let nextId = 0;
function incident(serverName: string, fields: Partial<Incident> = {}): Incident {
  nextId += 1;
  return {
    id: `00000000-0000-4000-8000-${String(nextId).padStart(12, '0')}`,
    serverId: `server-${serverName}`,
    serverName,
    severity: 'down',
    startedAt: 1_700_000_000_000,
    endedAt: null,
    durationMs: 0,
    cause: 'http: connection refused',
    checkTypes: ['http'],
    acknowledgedAt: null,
    acknowledgedBy: null,
    note: null,
    ...fields,
  };
}

function setup(options: { perMinute?: number; enabled?: boolean; supported?: boolean } = {}) {
  const timers = new FakeTime();
  const { Notification, shown } = fakeNotifications(() => timers.now());
  const events = new EventBus();
  const settings = { notifications: options.enabled ?? true, notificationsPerMinute: options.perMinute ?? 5 };
  const open = vi.fn();
  const log = { warn: vi.fn() };
  const notifier = createIncidentNotifier({
    Notification,
    isSupported: () => options.supported ?? true,
    events,
    settings: () => settings,
    open,
    iconPath: (icon) => `/icons/${icon}-32.png`,
    timers,
    log,
  });
  return {
    shown,
    events,
    timers,
    settings,
    open,
    log,
    notifier,
    titles: () => shown.map((n) => n.title),
    opened: (item: Incident) => events.emit('incident.opened', item),
    resolved: (item: Incident) => events.emit('incident.resolved', { ...item, endedAt: item.startedAt + item.durationMs }),
  };
}

describe('incident notifications', () => {
  it('says which server is down and why', async () => {
    const { shown, opened } = setup();
    opened(incident('web-1', { cause: 'https: certificate expired' }));
    expect(shown).toMatchObject([{ title: 'web-1 is down', body: 'https: certificate expired', icon: '/icons/down-32.png' }]);
  });

  it('says a degraded server is degraded', async () => {
    const { shown, opened } = setup();
    opened(incident('db-2', { severity: 'degraded', cause: 'latency 2300 ms' }));
    expect(shown).toMatchObject([{ title: 'db-2 is degraded', body: 'latency 2300 ms', icon: '/icons/degraded-32.png' }]);
  });

  it('says when a server is back up and after how long', async () => {
    const { shown, resolved } = setup();
    resolved(incident('web-1', { durationMs: 12 * 60_000 }));
    expect(shown).toMatchObject([{ title: 'web-1 is back up after 12 min', body: 'It was down: http: connection refused', icon: '/icons/up-32.png' }]);
  });

  it('opens the server’s health page on a click', async () => {
    const { shown, open, opened } = setup();
    const item = incident('web-1');
    opened(item);
    shown[0]?.click();
    expect(open).toHaveBeenCalledWith(`#/servers/${item.serverId}/health`);
  });

  it('shows nothing when turned off, or where the OS has no notifications', async () => {
    const off = setup({ enabled: false });
    off.opened(incident('web-1'));
    const unsupported = setup({ supported: false });
    unsupported.opened(incident('web-1'));
    expect([...off.shown, ...unsupported.shown]).toEqual([]);
  });

  it('ignores a payload that is not an incident', async () => {
    const { shown, events, log } = setup();
    (events as unknown as { emit(name: string, payload: unknown): void }).emit('incident.opened', { serverName: 'web-1' });
    expect(shown).toEqual([]);
    expect(log.warn).toHaveBeenCalledOnce();
  });

  it('stops when disposed', async () => {
    const { shown, notifier, opened } = setup();
    notifier.dispose();
    opened(incident('web-1'));
    expect(shown).toEqual([]);
  });
});

describe('the rate limit', () => {
  it('shows the first ones one by one, then collapses the rest of a burst into one', async () => {
    const { titles, shown, timers, open, opened } = setup({ perMinute: 5 });
    for (let i = 1; i <= 9; i++) opened(incident(`web-${i}`));
    expect(titles()).toEqual(['web-1 is down', 'web-2 is down', 'web-3 is down', 'web-4 is down']);
    await timers.advance(2_000);
    expect(titles()).toHaveLength(5);
    expect(shown[4]).toMatchObject({ title: '5 servers are down', body: 'web-5, web-6, web-7 and 2 more' });
    shown[4]?.click();
    expect(open).toHaveBeenCalledWith(INCIDENTS_ROUTE);
  });

  it('never shows more than the limit in any minute', async () => {
    const { shown, timers, opened, resolved } = setup({ perMinute: 3 });
    for (let second = 0; second < 300; second += 7) {
      opened(incident(`a-${second}`));
      resolved(incident(`b-${second}`, { durationMs: 60_000 }));
      await timers.advance(7_000);
    }
    await timers.advance(120_000);
    const times = shown.map((notification) => notification.at);
    expect(times.length).toBeGreaterThan(5);
    for (const at of times) expect(times.filter((t) => t >= at && t < at + 60_000).length).toBeLessThanOrEqual(3);
  });

  it('holds what comes beyond the limit until the minute has room, then tells all of it', async () => {
    const { titles, shown, timers, opened, resolved } = setup({ perMinute: 2 });
    opened(incident('web-1'));
    opened(incident('web-2'));
    await timers.advance(2_000);
    expect(titles()).toEqual(['web-1 is down', 'web-2 is down']);
    opened(incident('web-3', { severity: 'degraded' }));
    resolved(incident('web-1', { durationMs: 3_600_000 + 5 * 60_000 }));
    await timers.advance(30_000);
    expect(shown).toHaveLength(2);
    await timers.advance(30_000);
    expect(shown[2]).toMatchObject({ title: '1 server is degraded', body: 'web-3\nBack up: web-1', icon: '/icons/degraded-32.png' });
  });

  it('says nothing about a server that was down and back up before its turn came', async () => {
    const { titles, timers, opened, resolved } = setup({ perMinute: 1 });
    const flap = incident('web-1');
    opened(flap);
    resolved({ ...flap, durationMs: 20_000 });
    await timers.advance(60_000);
    expect(titles()).toEqual([]);
  });

  it('shows a lone held notification as itself, not as a summary', async () => {
    const { titles, timers, opened } = setup({ perMinute: 1 });
    opened(incident('web-1'));
    await timers.advance(2_000);
    expect(titles()).toEqual(['web-1 is down']);
  });

  it('counts servers back up in a summary of recoveries', async () => {
    const { shown, timers, resolved } = setup({ perMinute: 1 });
    resolved(incident('web-1'));
    resolved(incident('web-2'));
    await timers.advance(2_000);
    expect(shown).toMatchObject([{ title: '2 servers are back up', body: 'web-1, web-2', icon: '/icons/up-32.png' }]);
  });

  it('drops what was held when notifications are turned off meanwhile', async () => {
    const { titles, settings, timers, opened } = setup({ perMinute: 1 });
    opened(incident('web-1'));
    settings.notifications = false;
    await timers.advance(60_000);
    expect(titles()).toEqual([]);
  });
});

describe('durationWords', () => {
  it.each([
    [0, '0 s'],
    [45_000, '45 s'],
    [59_400, '59 s'],
    [12 * 60_000, '12 min'],
    [12 * 60_000 + 20_000, '12 min'],
    [3_599_000, '1 h'],
    [3_600_000 + 5 * 60_000, '1 h 5 min'],
    [26 * 3_600_000, '1 d 2 h'],
    [48 * 3_600_000, '2 d'],
  ])('%i ms is "%s"', (ms, text) => {
    expect(durationWords(ms)).toBe(text);
  });
});

describe('serverHealthRoute', () => {
  it('is the renderer’s server health page, with the id encoded', async () => {
    expect(serverHealthRoute('5f0c')).toBe('#/servers/5f0c/health');
    expect(serverHealthRoute('a/b?c')).toBe('#/servers/a%2Fb%3Fc/health');
  });
});
