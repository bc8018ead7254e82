import { UpdatesPanel } from '../updates/UpdatesPanel';
import { PageHeader } from '../ui/PageParts';

/** This installation's own settings (the fleet's are on their pages): for now, its updates. */
export function SettingsPage() {
  return (
    <div className="page page--scroll">
      <PageHeader title="Settings" />
      <UpdatesPanel />
    </div>
  );
}
