import type { AuditFilter } from '@shared/api/audit';
import { AUDIT_EXPORT_FORMATS } from '@shared/api/audit';
import { useMethodMutation } from '../api/hooks';
import { useSeedJob } from '../jobs/use-job';
import { toast } from '../state/toast-store';
import { FormatMenu } from '../ui/FormatMenu';
import { EXPORT_FORMAT_TEXT, type AuditExportFormat } from './export-formats';

interface AuditExportMenuProps {
  filter: AuditFilter;
  filtered: boolean;
  onStarted(jobId: string, format: AuditExportFormat): void;
}

/** "Export" with a CSV / JSON Lines menu: starts an export job of the events the filters show. */
export function AuditExportMenu({ filter, filtered, onStarted }: AuditExportMenuProps) {
  const exporter = useMethodMutation('audit.export');
  const seedJob = useSeedJob();
  const scope = filtered ? 'events matching the filters' : 'every event';

  const exportAs = (format: AuditExportFormat) => {
    exporter.mutate(
      { ...filter, format },
      {
        onSuccess: (job) => {
          seedJob(job);
          onStarted(job.id, format);
        },
        onError: (error) => toast.error(error),
      },
    );
  };

  return (
    <FormatMenu
      scope={scope}
      formats={AUDIT_EXPORT_FORMATS}
      text={EXPORT_FORMAT_TEXT}
      pending={exporter.isPending}
      pendingLabel="Starting…"
      onPick={exportAs}
    />
  );
}
