import { ConcurrencyPanel } from '../health/settings/ConcurrencyPanel';
import { UpdatesPanel } from '../updates/UpdatesPanel';
import { PageHeader } from '../ui/PageParts';

/** This installation's own settings (the fleet's are on their pages): how many checks run at once, and its updates. */
export function SettingsPage() {
  return (
    <div className="page page--scroll">
      <PageHeader title="Settings" />
      <ConcurrencyPanel />
      <UpdatesPanel />
    </div>
  );
}
