import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_MONITORING, type MonitoringSettings } from '@shared/api/monitoring';
import { read } from '../db/engine';
import { MonitoringSettingsStore, readMonitoringSettings } from '../health/monitoring-settings';
import { useEngines } from '../testing/engines';
import { SettingsStore } from './store';

/**
 * Installation settings on both engines: a value goes in and comes back as it was, a change
 * commits with the transaction it was made in or not at all, and another process sees what one
 * committed (the CLI beside `guardian serve`, two nodes on one PostgreSQL).
 */

const engines = useEngines('guardian-settings-');

const Folders = z.array(z.string());

describe.each(['sqlite', 'postgres'] as const)('settings on %s', (engine) => {
  it('gives the fallback for a key never set, then the value set, then its replacement', async () => {
    const { db } = await engines.fresh(engine);
    try {
      const settings = new SettingsStore(db);
      expect(await settings.get('reports.folders', Folders, [])).toEqual([]);
      await settings.set('reports.folders', ['/srv/reports', '/srv/ünïcode reports']);
      expect(await settings.get('reports.folders', Folders, [])).toEqual(['/srv/reports', '/srv/ünïcode reports']);
      await settings.set('reports.folders', ['/srv/other']);
      expect(await settings.get('reports.folders', Folders, [])).toEqual(['/srv/other']);
      // One row per key: the second set replaced the first.
      expect(await db.get(sql`SELECT count(*) AS n FROM settings`, (row) => read.number(row, 'n'))).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('keeps every JSON shape a setting may have: a flag, a number, text, null inside an object', async () => {
    const { db } = await engines.fresh(engine);
    try {
      const settings = new SettingsStore(db);
      await settings.set('flag', false);
      await settings.set('count', 42);
      await settings.set('step', 'totp');
      await settings.set('nested', { retentionDays: null, deep: { list: [1, 'two'] } });
      expect(await settings.get('flag', z.boolean(), true)).toBe(false);
      expect(await settings.get('count', z.number(), 0)).toBe(42);
      expect(await settings.get('step', z.enum(['welcome', 'totp']), 'welcome')).toBe('totp');
      expect(await settings.get('nested', z.unknown(), null)).toEqual({ retentionDays: null, deep: { list: [1, 'two'] } });
    } finally {
      await db.close();
    }
  });

  it('gives the fallback for a stored value that no longer parses (a setting an older version wrote differently)', async () => {
    const { db } = await engines.fresh(engine);
    try {
      const settings = new SettingsStore(db);
      await settings.set('security.apiKeysMayManageAccess', 'yes');
      expect(await settings.get('security.apiKeysMayManageAccess', z.boolean(), false)).toBe(false);
    } finally {
      await db.close();
    }
  });

  it('a change made in a transaction that fails is not kept, and one that commits is seen by another process', async () => {
    const fresh = await engines.fresh(engine);
    const other = fresh.another();
    try {
      const settings = new SettingsStore(fresh.db);
      await expect(
        fresh.db.transaction(async () => {
          await settings.set('onboarding', 'done');
          throw new Error('the audit event could not be written');
        }),
      ).rejects.toThrow('the audit event');
      expect(await new SettingsStore(other).get('onboarding', z.string(), 'welcome')).toBe('welcome');
      await fresh.db.transaction(() => settings.set('onboarding', 'done'));
      expect(await new SettingsStore(other).get('onboarding', z.string(), 'welcome')).toBe('done');
    } finally {
      await other.close();
      await fresh.db.close();
    }
  });

  it('the monitoring settings: an older stored value gets today’s defaults for what it lacks; a change reaches listeners and another process on reload', async () => {
    const fresh = await engines.fresh(engine);
    const other = fresh.another();
    try {
      const settings = new SettingsStore(fresh.db);
      // As an older version stored them: no concurrency caps yet.
      await settings.set('monitoring', { defaults: DEFAULT_MONITORING.defaults, rawRetentionDays: 9, rollupRetentionDays: 90, allowMetadataAddresses: false });
      const loaded = await readMonitoringSettings(settings);
      expect(loaded).toMatchObject({ rawRetentionDays: 9, maxConcurrentChecks: DEFAULT_MONITORING.maxConcurrentChecks });

      const here = new MonitoringSettingsStore(settings, loaded);
      const elsewhere = new MonitoringSettingsStore(new SettingsStore(other), await readMonitoringSettings(new SettingsStore(other)));
      const heard: MonitoringSettings[] = [];
      elsewhere.onChange((next) => heard.push(next));
      const updated = await here.update({ maxChecksPerHost: 9, defaults: { retries: 3 } });
      expect(here.get()).toEqual(updated);
      expect(updated).toMatchObject({ maxChecksPerHost: 9, rawRetentionDays: 9, defaults: { ...DEFAULT_MONITORING.defaults, retries: 3 } });

      // The other process keeps what it read until it reads again; then its listeners hear it once.
      expect(elsewhere.get().maxChecksPerHost).toBe(DEFAULT_MONITORING.maxChecksPerHost);
      await elsewhere.reload();
      await elsewhere.reload();
      expect(elsewhere.get()).toEqual(updated);
      expect(heard).toEqual([updated]);
    } finally {
      await other.close();
      await fresh.db.close();
    }
  });
});
