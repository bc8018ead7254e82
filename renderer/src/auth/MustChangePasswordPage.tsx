import type { Me } from '@shared/api/auth';
import { ChangePasswordForm } from '../account/ChangePasswordForm';
import { toast } from '../state/toast-store';
import { AuthLayout } from './AuthLayout';
import { SignOutButton } from './SignOutButton';

/** The account has a temporary password (new, or reset by an admin): nothing else until it is replaced. */
export function MustChangePasswordPage({ me }: { me: Me }) {
  return (
    <AuthLayout
      title="Choose a new password"
      description={`Signed in as ${me.username} with a temporary password. Choose your own before you go on; other sessions of this account will be signed out.`}
      testId="must-change-password-page"
    >
      <ChangePasswordForm me={me} onChanged={() => toast.success('Password changed')} />
      <p className="auth-card__footer">
        <SignOutButton />
      </p>
    </AuthLayout>
  );
}
