import { DEFAULT_MONITORING, MonitoringSettings } from '@shared/api/monitoring';
import type { SettingsStore } from '../settings';

const KEY = 'monitoring';

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
 */
export class MonitoringSettingsStore {
  private readonly listeners = new Set<(settings: MonitoringSettings) => void>();

  constructor(private readonly settings: SettingsStore) {}

  /** Called after each change (the engine applies new concurrency caps at once). */
  onChange(listener: (settings: MonitoringSettings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(): MonitoringSettings {
    return this.settings.get(KEY, MonitoringSettings, DEFAULT_MONITORING);
  }

  /** Changes what the patch names and keeps the rest. */
  update(patch: MonitoringSettingsPatch): MonitoringSettings {
    const current = this.get();
    const next: MonitoringSettings = {
      defaults: { ...current.defaults, ...definedOnly(patch.defaults ?? {}) },
      rawRetentionDays: patch.rawRetentionDays ?? current.rawRetentionDays,
      rollupRetentionDays: patch.rollupRetentionDays ?? current.rollupRetentionDays,
      allowMetadataAddresses: patch.allowMetadataAddresses ?? current.allowMetadataAddresses,
      maxConcurrentChecks: patch.maxConcurrentChecks ?? current.maxConcurrentChecks,
      maxChecksPerHost: patch.maxChecksPerHost ?? current.maxChecksPerHost,
    };
    this.settings.set(KEY, next);
    for (const listener of this.listeners) listener(next);
    return next;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
