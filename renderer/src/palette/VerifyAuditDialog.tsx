import { VerifyDialog } from '../audit/VerifyDialog';
import { useAuditView } from '../audit/audit-filter-store';

/** The audit page's Verify, started from the palette: an event where the chain broke opens in the page's drawer. */
export function VerifyAuditDialog({ onClose }: { onClose(): void }) {
  const select = useAuditView((state) => state.select);
  return <VerifyDialog onClose={onClose} onOpenEvent={select} />;
}
