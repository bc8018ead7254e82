import { isFinished } from '@shared/api/jobs';
import type { VaultStatus } from '@shared/api/vault';
import { useMethodQuery } from '../api/hooks';
import { useCan } from '../auth/session';
import { useDialogStore } from '../state/dialog-store';
import { plural } from '../ui/format';

/** The rotation this session can see running, if any (an interrupted one has no running job). */
function useRunningRotation(): string | undefined {
  const mayReadJobs = useCan()('jobs:read');
  const jobs = useMethodQuery('jobs.list', { limit: 50 }, { enabled: mayReadJobs });
  return jobs.data?.items.find((job) => job.kind === 'vault.rotate' && !isFinished(job))?.id;
}

/** Replacing the data key that encrypts every secret, and finishing a rotation that was cut short. */
export function RotationPanel({ status }: { status: VaultStatus }) {
  const open = useDialogStore((state) => state.open);
  const running = useRunningRotation();
  const unlocked = !status.locked;
  return (
    <section className="panel" aria-labelledby="vault-rotation-title" data-testid="vault-rotation">
      <h2 id="vault-rotation-title" className="panel__title">
        Data key
      </h2>
      <p className="panel__text">
        One random key encrypts every secret; the key slots guard the key that wraps it. Rotating the data key re-encrypts every secret, so a copy of the old
        key no longer opens new data. After a passphrase or key file may have leaked, rotate all keys: the slots kept get a new key to guard and the leaked
        one’s slot is removed, so an old copy of the database opened with it opens nothing written afterwards.
      </p>
      {running ? (
        <div className="form__inline">
          <span className="badge badge--running">Rotation running</span>
          <button type="button" className="button" onClick={() => open({ kind: 'vault-rotate', resume: false, jobId: running })}>
            Show progress
          </button>
        </div>
      ) : status.rotation.inProgress ? (
        <div className="banner banner--warn" role="status" data-testid="rotation-interrupted">
          <p>A rotation was interrupted; {plural(status.rotation.remaining, 'secret', 'secrets')} left.</p>
          <p className="banner__hint">Every secret can still be read. {unlocked ? 'Resume it to finish.' : 'Unlock the vault to resume it.'}</p>
          {unlocked ? (
            <div className="form__inline banner__actions">
              <button type="button" className="button button--primary" onClick={() => open({ kind: 'vault-rotate', resume: true })}>
                Resume rotation
              </button>
            </div>
          ) : null}
        </div>
      ) : unlocked ? (
        <div className="form__inline">
          <button type="button" className="button" onClick={() => open({ kind: 'vault-rotate', resume: false })}>
            Rotate data key
          </button>
          <button type="button" className="button" onClick={() => open({ kind: 'vault-rotate-full', status })}>
            Rotate all keys…
          </button>
        </div>
      ) : (
        <p className="muted">Unlock the vault to rotate its data key.</p>
      )}
    </section>
  );
}
