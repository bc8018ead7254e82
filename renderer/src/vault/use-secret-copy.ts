import type { Secret } from '@shared/api/vault';
import { useClient } from '../api/client-context';
import { useDirectCall } from '../api/use-direct-call';
import { useDialogStore } from '../state/dialog-store';
import { toast } from '../state/toast-store';
import { COPIED_MESSAGE } from './SecretAccessDialog';

/**
 * A row's Copy: in the desktop app the main process puts the value on the clipboard (and clears
 * it 30 s later) without it reaching the page; a re-authentication first opens the dialog. A
 * browser cannot do that, so there Copy reveals the value instead.
 */
export function useSecretCopy(): { copy(secret: Secret): void; pending: boolean } {
  const client = useClient();
  const open = useDialogStore((state) => state.open);
  const { run, pending } = useDirectCall('secrets.copy');

  const copy = (secret: Secret) => {
    if (client.transport === 'http') return open({ kind: 'secret-access', secret, mode: 'reveal', browser: true });
    void run({ id: secret.id }).then((result) => {
      if (result.ok) toast.success(COPIED_MESSAGE);
      else if (result.error.code === 'REAUTH_REQUIRED') open({ kind: 'secret-access', secret, mode: 'copy' });
      else if (result.error.code === 'NOT_SUPPORTED_HERE') open({ kind: 'secret-access', secret, mode: 'reveal', browser: true });
      else toast.error(result.error);
    });
  };
  return { copy, pending };
}
