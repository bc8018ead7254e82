import { EXPORT_FORMATS } from '@shared/api/servers';
import { useMethodMutation } from '../api/hooks';
import { toast } from '../state/toast-store';
import { plural } from '../ui/format';
import { FormatMenu, type FormatText } from '../ui/FormatMenu';
import { downloadText } from './download';
import type { FilterValues } from './list-filters-store';

const FORMAT_TEXT: Record<(typeof EXPORT_FORMATS)[number], FormatText> = {
  json: { label: 'JSON', note: 'for scripts and re-import' },
  csv: { label: 'CSV', note: 'opens in a spreadsheet' },
};

interface ExportMenuProps {
  /** Active filters; when present only the matching servers are exported. */
  filters: FilterValues;
  filtered: boolean;
  /** Nothing to export (no servers match). */
  disabled: boolean;
}

/** "Export" button with a JSON / CSV menu; the file is downloaded under the server's name for it. */
export function ExportMenu({ filters, filtered, disabled }: ExportMenuProps) {
  const exporter = useMethodMutation('servers.export');
  const scope = filtered ? 'servers matching the filters' : 'all servers';

  const exportAs = (format: (typeof EXPORT_FORMATS)[number]) => {
    exporter.mutate(
      { format, ...filters },
      {
        onSuccess: (file) => {
          downloadText(file.fileName, file.mimeType, file.content);
          toast.success(`Exported ${plural(file.count, 'server', 'servers')}`, file.fileName);
        },
        onError: (error) => toast.error(error),
      },
    );
  };

  return (
    <FormatMenu
      scope={scope}
      formats={EXPORT_FORMATS}
      text={FORMAT_TEXT}
      pending={exporter.isPending}
      pendingLabel="Exporting…"
      disabled={disabled}
      onPick={exportAs}
    />
  );
}
