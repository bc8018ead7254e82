import { AppError } from '@shared/api/errors';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import { type AccountStore, type ApiKeyStore, keyRights, type UserRow } from '../auth';
import type { Clock } from '../clock';

/**
 * Who a schedule acts for, as they are now: its creator (`user:<id>`, `apiKey:<id>`, or the CLI's
 * `system:local-owner`) with their current role, or null when they are gone, disabled, revoked or
 * expired. A schedule never runs with rights its creator no longer has.
 */
export type ScheduleOwners = (createdBy: string) => Promise<Principal | null>;

export interface ScheduleOwnerDeps {
  accounts: Pick<AccountStore, 'row'>;
  apiKeys: Pick<ApiKeyStore, 'list'>;
  clock: Clock;
}

export function scheduleOwners({ accounts, apiKeys, clock }: ScheduleOwnerDeps): ScheduleOwners {
  const activeUser = async (id: string): Promise<UserRow | null> => {
    try {
      const row = await accounts.row(id);
      return row.disabled ? null : row;
    } catch (error) {
      if (error instanceof AppError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  };

  return async (createdBy) => {
    const colon = createdBy.indexOf(':');
    const [kind, id] = colon > 0 ? [createdBy.slice(0, colon), createdBy.slice(colon + 1)] : ['', ''];
    switch (kind) {
      case 'system':
        return id === LOCAL_OWNER.id ? LOCAL_OWNER : null;
      case 'user': {
        const user = await activeUser(id);
        return user ? { kind: 'user', id, name: user.username, role: user.role } : null;
      }
      case 'apiKey': {
        const key = (await apiKeys.list()).find((candidate) => candidate.id === id);
        if (!key || key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt <= clock.now())) return null;
        // A key acts for the account that made it: never more than that account's role now.
        const owner = key.owner ? await activeUser(key.owner.id) : null;
        if (key.owner && !owner) return null;
        return { kind: 'apiKey', id, name: key.name, ...keyRights(key, owner ? owner.role : null) };
      }
      default:
        return null;
    }
  };
}
