import { z } from 'zod';
import { AppError } from '@shared/api/errors';
import type { AccessSettings } from '@shared/api/users';
import type { Principal } from '@shared/permissions';
import type { SettingsStore } from '../settings';

const API_KEYS_MAY_MANAGE_ACCESS = 'security.apiKeysMayManageAccess';

/**
 * Whether API keys may create and change accounts and create keys. Off by default: a leaked key
 * must not be able to mint itself a successor or a person. Only a signed-in owner (or the CLI on
 * the data dir) may turn it on; never a key, whatever its role.
 */
export class AccessPolicy {
  constructor(private readonly settings: SettingsStore) {}

  async get(): Promise<AccessSettings> {
    return { apiKeysMayManageAccess: await this.settings.get(API_KEYS_MAY_MANAGE_ACCESS, z.boolean(), false) };
  }

  async update(actor: Principal, next: AccessSettings): Promise<AccessSettings> {
    const ownerInPerson = actor.kind === 'system' || (actor.kind === 'user' && actor.role === 'owner');
    if (!ownerInPerson) {
      throw new AppError('PERMISSION_DENIED', 'Only an owner, signed in, may change what API keys may do.', {
        hint: actor.kind === 'apiKey' ? 'Sign in as an owner to change it; no API key can.' : 'Ask an owner to change it.',
      });
    }
    await this.settings.set(API_KEYS_MAY_MANAGE_ACCESS, next.apiKeysMayManageAccess);
    return this.get();
  }

  /** Refuses an API key that would create or change an account, or create a key, unless an owner allowed it. */
  async assertMayManageAccess(actor: Principal): Promise<void> {
    if (actor.kind !== 'apiKey' || (await this.get()).apiKeysMayManageAccess) return;
    throw new AppError('PERMISSION_DENIED', 'API keys may not create or change accounts, or create keys.', {
      hint: 'Do it signed in as a person, or have an owner allow API keys to (API keys page, or PUT /api/v1/security/settings).',
    });
  }
}
