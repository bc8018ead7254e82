import { CreateKeyDialog } from '../apikeys/CreateKeyDialog';
import { RevokeKeyDialog } from '../apikeys/RevokeKeyDialog';
import { CommandPalette } from '../palette/CommandPalette';
import { VerifyAuditDialog } from '../palette/VerifyAuditDialog';
import { useDialogStore } from '../state/dialog-store';
import { DeleteServerDialog } from '../servers/DeleteServerDialog';
import { ImportDialog } from '../servers/import/ImportDialog';
import { ServerFormDialog } from '../servers/form/ServerFormDialog';
import { RestartDialog } from '../updates/RestartDialog';
import { AddUserDialog } from '../users/AddUserDialog';
import { ResetPasswordDialog } from '../users/ResetPasswordDialog';
import { RoleDialog } from '../users/RoleDialog';
import { UserConfirmDialog } from '../users/UserConfirmDialog';
import { AddSlotDialog } from '../vault/AddSlotDialog';
import { ChangePassphraseDialog } from '../vault/ChangePassphraseDialog';
import { DeleteSecretDialog } from '../vault/DeleteSecretDialog';
import { ExportVaultDialog } from '../vault/ExportVaultDialog';
import { FullRotationDialog } from '../vault/FullRotationDialog';
import { ImportVaultDialog } from '../vault/ImportVaultDialog';
import { RemoveSlotDialog } from '../vault/RemoveSlotDialog';
import { RotateDialog } from '../vault/RotateDialog';
import { SecretAccessDialog } from '../vault/SecretAccessDialog';
import { SecretFormDialog } from '../vault/SecretFormDialog';

/** Renders the open dialog, outside the page content so that content can be made inert. */
export function DialogHost() {
  const dialog = useDialogStore((state) => state.dialog);
  const close = useDialogStore((state) => state.close);
  if (!dialog) return null;
  switch (dialog.kind) {
    case 'server-create':
      return <ServerFormDialog onClose={close} />;
    case 'server-edit':
      return <ServerFormDialog server={dialog.server} onClose={close} />;
    case 'server-delete':
      return <DeleteServerDialog server={dialog.server} onClose={close} />;
    case 'server-import':
      return <ImportDialog onClose={close} />;
    case 'user-create':
      return <AddUserDialog onClose={close} />;
    case 'user-role':
      return <RoleDialog user={dialog.user} onClose={close} />;
    case 'user-reset-password':
      return <ResetPasswordDialog user={dialog.user} onClose={close} />;
    case 'user-confirm':
      return <UserConfirmDialog action={dialog.action} user={dialog.user} onClose={close} />;
    case 'apikey-create':
      return <CreateKeyDialog onClose={close} />;
    case 'apikey-revoke':
      return <RevokeKeyDialog apiKey={dialog.apiKey} onClose={close} />;
    case 'secret-create':
      return <SecretFormDialog onClose={close} />;
    case 'secret-edit':
      return <SecretFormDialog secret={dialog.secret} onClose={close} />;
    case 'secret-delete':
      return <DeleteSecretDialog secret={dialog.secret} onClose={close} />;
    case 'secret-access':
      return <SecretAccessDialog secret={dialog.secret} mode={dialog.mode} browser={dialog.browser} onClose={close} />;
    case 'vault-slot-add':
      return <AddSlotDialog slotKind={dialog.slotKind} onClose={close} />;
    case 'vault-slot-passphrase':
      return <ChangePassphraseDialog slot={dialog.slot} onClose={close} />;
    case 'vault-slot-remove':
      return <RemoveSlotDialog slot={dialog.slot} onClose={close} />;
    case 'vault-rotate':
      return <RotateDialog resume={dialog.resume} jobId={dialog.jobId} onClose={close} />;
    case 'vault-rotate-full':
      return <FullRotationDialog status={dialog.status} onClose={close} />;
    case 'vault-export':
      return <ExportVaultDialog onClose={close} />;
    case 'vault-import':
      return <ImportVaultDialog onClose={close} />;
    case 'palette':
      return <CommandPalette onClose={close} />;
    case 'audit-verify':
      return <VerifyAuditDialog onClose={close} />;
    case 'update-restart':
      return <RestartDialog version={dialog.version} onClose={close} />;
    default: {
      const unreachable: never = dialog;
      return unreachable;
    }
  }
}
