import { useCallback } from 'react';
import { useMethodQuery } from '../api/hooks';
import { useCan, useMe } from '../auth/session';

/**
 * Who ran a run, in words: its `createdBy` is `kind:id` (main/core/api/caller.ts). The signed-in
 * user is named, and so are other accounts for roles that may list them; otherwise the account is
 * named by the start of its id, and an API key, the CLI or the system by their kind.
 */
export function useActorName(): (createdBy: string) => string {
  const me = useMe();
  const mayListUsers = useCan()('users:read');
  const users = useMethodQuery('users.list', {}, { enabled: mayListUsers, staleTime: 60_000 });
  return useCallback(
    (createdBy: string) => {
      const [kind = '', id = ''] = createdBy.split(/:(.*)/s);
      if (kind !== 'user') return createdBy;
      if (id === me.id) return me.username;
      const user = users.data?.items.find((each) => each.id === id);
      return user ? user.username : `user ${id.slice(0, 8)}`;
    },
    [me, users.data],
  );
}
