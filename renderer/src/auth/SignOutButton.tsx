import { useMethodMutation } from '../api/hooks';
import { useStatusUpdates } from './auth-status';

/**
 * Ends the session. Whatever the server answers (it may already have ended it), the page
 * forgets the user and shows the sign-in page; whoever signs in next starts on the servers.
 */
export function useSignOut(after?: () => void) {
  const logout = useMethodMutation('auth.logout');
  const status = useStatusUpdates();
  const signOut = () =>
    logout.mutate(
      {},
      {
        onSettled: () => {
          status.signedOut();
          window.location.hash = '#/servers';
          after?.();
        },
      },
    );
  return { signOut, pending: logout.isPending };
}

export function SignOutButton({ className = 'button button--ghost' }: { className?: string }) {
  const { signOut, pending } = useSignOut();
  return (
    <button type="button" className={className} onClick={signOut} disabled={pending}>
      Sign out
    </button>
  );
}
