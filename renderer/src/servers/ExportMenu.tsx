import { EXPORT_FORMATS } from '../../../shared/api/servers';
import { useMethodMutation } from '../api/hooks';
import { toast } from '../state/toast-store';
import { plural } from '../ui/format';
import { ChevronIcon, DownloadIcon } from '../ui/icons';
import { useMenu } from '../ui/use-menu';
import { downloadText } from './download';
import type { FilterValues } from './list-filters-store';

const FORMAT_TEXT: Record<(typeof EXPORT_FORMATS)[number], { label: string; note: string }> = {
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
  const { open, toggle, close, root, button, onMenuKey } = useMenu();
  const exporter = useMethodMutation('servers.export');
  const scope = filtered ? 'servers matching the filters' : 'all servers';

  const exportAs = (format: (typeof EXPORT_FORMATS)[number]) => {
    close();
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
    <div className="menu-anchor" ref={root}>
      <button
        ref={button}
        type="button"
        className="button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={toggle}
        disabled={disabled || exporter.isPending}
      >
        <DownloadIcon />
        Export
        <ChevronIcon />
      </button>
      {open ? (
        <div className="menu" role="menu" aria-label={`Export ${scope}`} onKeyDown={onMenuKey}>
          <p className="menu__caption" aria-hidden="true">
            {scope}
          </p>
          {EXPORT_FORMATS.map((format) => (
            <button key={format} type="button" role="menuitem" className="menu__item" tabIndex={-1} onClick={() => exportAs(format)}>
              <span className="menu__label">{FORMAT_TEXT[format].label}</span>
              <span className="menu__note">{FORMAT_TEXT[format].note}</span>
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}
