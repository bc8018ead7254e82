import { useMethodMutation } from '../api/hooks';
import { useCan } from '../auth/session';
import { useDialogStore } from '../state/dialog-store';
import { toast } from '../state/toast-store';
import { ErrorState } from '../ui/ErrorState';
import { PlusIcon, VaultIcon } from '../ui/icons';
import { BackupPanel } from './BackupPanel';
import { CreateVaultPanel } from './CreateVaultPanel';
import { KeySlotsPanel } from './KeySlotsPanel';
import { RotationPanel } from './RotationPanel';
import { SecretsSection } from './SecretsSection';
import { LoadingState, PageHeader } from '../ui/PageParts';
import { UnlockPanel } from './UnlockPanel';
import { useVaultRefusalWatch, useVaultStatus } from './use-vault-status';
import { formatDuration } from './vault-labels';

/** The vault: create or unlock it, its secrets, and (for admins) its key slots, data key and backups. */
export function VaultPage() {
  useVaultRefusalWatch();
  const status = useVaultStatus();
  const can = useCan();
  const open = useDialogStore((state) => state.open);
  const lock = useMethodMutation('vault.lock');
  const data = status.data;
  const unlocked = data !== undefined && data.initialized && !data.locked;

  return (
    <div className="page page--scroll">
      <PageHeader
        title="Vault"
        actions={
          unlocked ? (
            <>
              {can('vault:admin') ? (
                <button
                  type="button"
                  className="button"
                  disabled={lock.isPending}
                  onClick={() => lock.mutate({}, { onSuccess: () => toast.success('Vault locked'), onError: (error) => toast.error(error) })}
                >
                  <VaultIcon />
                  Lock vault
                </button>
              ) : null}
              {can('vault:write') ? (
                <button type="button" className="button button--primary" onClick={() => open({ kind: 'secret-create' })}>
                  <PlusIcon />
                  Add secret
                </button>
              ) : null}
            </>
          ) : null
        }
      >
        {data?.initialized ? (
          <span className={`badge ${data.locked ? 'badge--queued' : 'badge--succeeded'}`} data-testid="vault-state">
            {data.locked ? 'Locked' : 'Unlocked'}
          </span>
        ) : null}
        {unlocked ? (
          <span className="page__count" data-testid="vault-auto-lock">
            {data.autoLockMs === null ? 'Stays unlocked (started with its key file)' : `Locks itself after ${formatDuration(data.autoLockMs)} without use`}
          </span>
        ) : null}
      </PageHeader>
      {status.isPending ? (
        <LoadingState>Loading the vault…</LoadingState>
      ) : !data ? (
        status.error ? (
          <ErrorState error={status.error} what="the vault" onRetry={() => void status.refetch()} />
        ) : null
      ) : !data.initialized ? (
        <CreateVaultPanel status={data} />
      ) : (
        <>
          {data.locked ? <UnlockPanel status={data} /> : null}
          <SecretsSection locked={data.locked} />
          {can('vault:admin') ? (
            <>
              <KeySlotsPanel status={data} />
              <RotationPanel status={data} />
              <BackupPanel status={data} />
            </>
          ) : null}
        </>
      )}
    </div>
  );
}
