import { createContext, useCallback, useContext, type ReactNode } from 'react';
import type { Me } from '@shared/api/auth';
import { principalAllows, type Permission } from '@shared/permissions';

const MeContext = createContext<Me | undefined>(undefined);

/** Makes the signed-in user known to everything inside the app frame. */
export function MeProvider({ me, children }: { me: Me; children: ReactNode }) {
  return <MeContext.Provider value={me}>{children}</MeContext.Provider>;
}

/** The signed-in user. Only used inside the app frame, which exists only while someone is. */
export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe needs a <MeProvider> above it (the signed-in app frame)');
  return me;
}

/** Whether a user may do something: the router's own check, from the one role table in shared/. */
export function can(me: Pick<Me, 'role'>, permission: Permission): boolean {
  return principalAllows(me, permission);
}

/** `can` for the signed-in user: hide or disable what their role cannot do. */
export function useCan(): (permission: Permission) => boolean {
  const me = useMe();
  return useCallback((permission: Permission) => can(me, permission), [me]);
}
