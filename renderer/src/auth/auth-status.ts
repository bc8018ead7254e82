import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { OutputOf } from '@shared/api';
import type { Me, OnboardingStep } from '@shared/api/auth';
import type { Methods } from '@shared/api';
import { useMethodQuery } from '../api/hooks';
import { methodKey } from '../api/query-keys';

export type AuthStatus = OutputOf<Methods['auth.status']>;

const STATUS_KEY = methodKey('auth.status', {});

/**
 * Who is signed in and where the first-run wizard stands. Read once and then kept up to date by
 * the answers of sign-in, sign-out and the wizard, never refetched behind the user's back: a
 * refetch while the session is locked must not throw the page away.
 */
export function useAuthStatus() {
  return useMethodQuery('auth.status', {}, { staleTime: Infinity, refetchOnWindowFocus: false, refetchOnReconnect: false });
}

function patchStatus(queryClient: QueryClient, patch: Partial<AuthStatus>): void {
  queryClient.setQueryData<AuthStatus>(STATUS_KEY, (current) =>
    current ? { ...current, ...patch } : { setupRequired: false, user: null, onboarding: 'done', ...patch },
  );
}

/** Updates the cached status after an answer that changed who is signed in or the wizard's step. */
export function useStatusUpdates() {
  const queryClient = useQueryClient();
  return {
    /** Someone signed in, or their account changed (password, two-factor). */
    signedIn: useCallback((me: Me) => patchStatus(queryClient, { user: me, setupRequired: false }), [queryClient]),
    /** Signed out: nothing cached for the previous user survives. */
    signedOut: useCallback(() => {
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== 'auth.status' });
      patchStatus(queryClient, { user: null });
    }, [queryClient]),
    onboarding: useCallback((step: OnboardingStep) => patchStatus(queryClient, { onboarding: step }), [queryClient]),
  };
}
