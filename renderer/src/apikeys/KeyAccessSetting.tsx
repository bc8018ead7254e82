import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { useMe } from '../auth/session';
import { ErrorBanner } from '../ui/ErrorBanner';

/**
 * Whether API keys may create and change accounts and create keys: off unless an owner turns it
 * on (a leaked key must not mint itself a successor or a person). Others see it, read-only.
 */
export function KeyAccessSetting() {
  const isOwner = useMe().role === 'owner';
  const setting = useMethodQuery('security.settings', {});
  const update = useMethodMutation('security.updateSettings');
  if (!setting.data) return null;

  return (
    <section className="panel key-access" aria-labelledby="key-access-title" data-testid="key-access-setting">
      <h2 id="key-access-title" className="panel__title">
        What keys may do
      </h2>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={setting.data.apiKeysMayManageAccess}
          disabled={!isOwner || update.isPending}
          onChange={(event) => update.mutate({ apiKeysMayManageAccess: event.target.checked })}
        />
        API keys may create and change accounts, and create keys
      </label>
      <p className="panel__text">
        Every key acts for the person who made it and never does more than their role allows now; it stops when they are disabled or deleted.{' '}
        {isOwner ? 'Leave this off unless a script must manage access.' : 'Only an owner can change this.'}
      </p>
      <ErrorBanner error={update.error} testId="key-access-error" />
    </section>
  );
}
