import { ROLE_DESCRIPTIONS } from '@shared/permissions';
import { useMe } from '../auth/session';
import { toast } from '../state/toast-store';
import { ROLE_LABELS } from '../users/RoleSelect';
import { PageHeader } from '../ui/PageParts';
import { ChangePasswordForm } from './ChangePasswordForm';
import { SessionsSection } from './SessionsSection';
import { TwoFactorSection } from './TwoFactorSection';

/** One's own account: who and what role, password, two-factor, sessions. */
export function AccountPage() {
  const me = useMe();
  return (
    <div className="page page--scroll">
      <PageHeader title="Account">
        <span className="page__count">
          {me.displayName && me.displayName !== me.username ? `${me.displayName} (${me.username})` : me.username} · {ROLE_LABELS[me.role]}:{' '}
          {ROLE_DESCRIPTIONS[me.role]}
        </span>
      </PageHeader>
      <section className="panel" aria-labelledby="password-title">
        <h2 id="password-title" className="panel__title">
          Password
        </h2>
        <p className="panel__text">Changing it signs out your other sessions.</p>
        <div className="panel__narrow">
          <ChangePasswordForm me={me} onChanged={() => toast.success('Password changed', 'Your other sessions were signed out.')} />
        </div>
      </section>
      <TwoFactorSection me={me} />
      <SessionsSection />
    </div>
  );
}
