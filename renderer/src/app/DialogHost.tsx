import { useDialogStore } from '../state/dialog-store';
import { DeleteServerDialog } from '../servers/DeleteServerDialog';
import { ImportDialog } from '../servers/import/ImportDialog';
import { ServerFormDialog } from '../servers/form/ServerFormDialog';

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
    default: {
      const unreachable: never = dialog;
      return unreachable;
    }
  }
}
