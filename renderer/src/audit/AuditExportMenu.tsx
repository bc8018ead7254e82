import type { AuditFilter } from '../../../shared/api/audit';
import { AUDIT_EXPORT_FORMATS } from '../../../shared/api/audit';
import { useMethodMutation } from '../api/hooks';
import { useSeedJob } from '../jobs/use-job';
import { toast } from '../state/toast-store';
import { ChevronIcon, DownloadIcon } from '../ui/icons';
import { useMenu } from '../ui/use-menu';
import { EXPORT_FORMAT_TEXT, type AuditExportFormat } from './export-formats';

interface AuditExportMenuProps {
  filter: AuditFilter;
  filtered: boolean;
  onStarted(jobId: string, format: AuditExportFormat): void;
}

/** "Export" with a CSV / JSON Lines menu: starts an export job of the events the filters show. */
export function AuditExportMenu({ filter, filtered, onStarted }: AuditExportMenuProps) {
  const { open, toggle, close, root, button, onMenuKey } = useMenu();
  const exporter = useMethodMutation('audit.export');
  const seedJob = useSeedJob();
  const scope = filtered ? 'events matching the filters' : 'every event';

  const exportAs = (format: AuditExportFormat) => {
    close();
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
    <div className="menu-anchor" ref={root}>
      <button ref={button} type="button" className="button" aria-haspopup="menu" aria-expanded={open} onClick={toggle} disabled={exporter.isPending}>
        <DownloadIcon />
        {exporter.isPending ? 'Starting…' : 'Export'}
        <ChevronIcon />
      </button>
      {open ? (
        <div className="menu" role="menu" aria-label={`Export ${scope}`} onKeyDown={onMenuKey}>
          <p className="menu__caption" aria-hidden="true">
            {scope}
          </p>
          {AUDIT_EXPORT_FORMATS.map((format) => (
            <button key={format} type="button" role="menuitem" className="menu__item" tabIndex={-1} onClick={() => exportAs(format)}>
              <span className="menu__label">{EXPORT_FORMAT_TEXT[format].label}</span>
              <span className="menu__note">{EXPORT_FORMAT_TEXT[format].note}</span>
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}
