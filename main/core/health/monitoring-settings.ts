import { isDeepStrictEqual } from 'node:util';
import { DEFAULT_MONITORING, MonitoringSettings } from '@shared/api/monitoring';
import type { SettingsStore } from '../settings';

const KEY = 'monitoring';

/** The stored monitoring settings, with today's defaults for what an older version did not store. */
export function readMonitoringSettings(settings: SettingsStore): Promise<MonitoringSettings> {
  return settings.get(KEY, MonitoringSettings, DEFAULT_MONITORING);
}

export type MonitoringSettingsPatch = {
  defaults?: Partial<MonitoringSettings['defaults']> | undefined;
  rawRetentionDays?: number | undefined;
  rollupRetentionDays?: number | undefined;
  allowMetadataAddresses?: boolean | undefined;
  maxConcurrentChecks?: number | undefined;
  maxChecksPerHost?: number | undefined;
};

/**
 * The monitoring settings (a new check's defaults, retention, whether checks may reach cloud
 * metadata addresses), kept in the settings table under one key and read through the contract's
 * schema, so a stored value from an older version gets today's defaults for what it lacks.
 *
 * Every check run reads them (whether it may reach a metadata address), so they are read from the
 * database once, when the core opens (readMonitoringSettings), and kept: this store writes them, and `reload()`
 * reads them again when another process (the CLI) has written to the database.
 */
export class MonitoringSettingsStore {
  private readonly listeners = new Set<(settings: MonitoringSettings) => void>();
  /** `current`: as read when the core opened (readMonitoringSettings). */
  constructor(
    private readonly settings: SettingsStore,
    private current: MonitoringSettings,
  ) {}

  /** Called after each change (the engine applies new concurrency caps at once). */
  onChange(listener: (settings: MonitoringSettings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The settings as last read or written here. */
  get(): MonitoringSettings {
    return this.current;
  }

  /** Reads them again, after another process wrote to the database; a change reaches the listeners as one made here does. */
  async reload(): Promise<void> {
    const before = this.current;
    const after = await readMonitoringSettings(this.settings);
    this.current = after;
    if (!isDeepStrictEqual(before, after)) this.notify(after);
  }

  private notify(settings: MonitoringSettings): void {
    for (const listener of this.listeners) listener(settings);
  }

  /** Changes what the patch names and keeps the rest. */
  async update(patch: MonitoringSettingsPatch): Promise<MonitoringSettings> {
    const current = this.get();
    const next: MonitoringSettings = {
      defaults: { ...current.defaults, ...definedOnly(patch.defaults ?? {}) },
      rawRetentionDays: patch.rawRetentionDays ?? current.rawRetentionDays,
      rollupRetentionDays: patch.rollupRetentionDays ?? current.rollupRetentionDays,
      allowMetadataAddresses: patch.allowMetadataAddresses ?? current.allowMetadataAddresses,
      maxConcurrentChecks: patch.maxConcurrentChecks ?? current.maxConcurrentChecks,
      maxChecksPerHost: patch.maxChecksPerHost ?? current.maxChecksPerHost,
    };
    // Inside the call's transaction: the change commits with its audit event, or not at all, and
    // what is kept here (and the engine's caps) follows only once it has.
    await this.settings.set(KEY, next);
    this.settings.afterCommit(() => {
      this.current = next;
      this.notify(next);
    });
    return next;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
