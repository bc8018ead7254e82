import { AlertSettings, DEFAULT_ALERT_SETTINGS } from '@shared/api/alerts';
import type { SettingsStore } from '../settings';

const KEY = 'alerts';

/**
 * The alert settings (which internal addresses channels may reach, when a notification is given
 * up, the address a message links back to, what makes a burst of failed sign-ins), under one key of the settings table. Every delivery reads them, so they are kept in memory
 * and read again with the rules (AlertRules.reload); a change made here takes effect once its call
 * has committed.
 */
export class AlertSettingsStore {
  private current: AlertSettings = DEFAULT_ALERT_SETTINGS;

  constructor(private readonly settings: SettingsStore) {}

  get(): AlertSettings {
    return this.current;
  }

  async reload(): Promise<void> {
    this.current = await this.settings.get(KEY, AlertSettings, DEFAULT_ALERT_SETTINGS);
  }

  async update(patch: {
    allowedTargets?: string[] | undefined;
    giveUpAfterMinutes?: number | undefined;
    publicUrl?: string | null | undefined;
    signInBurst?: AlertSettings['signInBurst'] | undefined;
  }): Promise<AlertSettings> {
    const next: AlertSettings = {
      allowedTargets: patch.allowedTargets ?? this.current.allowedTargets,
      giveUpAfterMinutes: patch.giveUpAfterMinutes ?? this.current.giveUpAfterMinutes,
      publicUrl: patch.publicUrl === undefined ? this.current.publicUrl : patch.publicUrl,
      signInBurst: patch.signInBurst ?? this.current.signInBurst,
    };
    await this.settings.set(KEY, next);
    this.settings.afterCommit(() => (this.current = next));
    return next;
  }
}
