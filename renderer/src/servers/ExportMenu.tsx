import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { EXPORT_FORMATS } from '../../../shared/api/servers';
import { useMethodMutation } from '../api/hooks';
import { toast } from '../state/toast-store';
import { plural } from '../ui/format';
import { ChevronIcon, DownloadIcon } from '../ui/icons';
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
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const exporter = useMethodMutation('servers.export');
  const scope = filtered ? 'servers matching the filters' : 'all servers';

  useEffect(() => {
    if (!open) return;
    root.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const onPointer = (event: PointerEvent) => {
      if (event.target instanceof Node && !root.current?.contains(event.target)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  const onMenuKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const items = [...(root.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = items.findIndex((item) => item === document.activeElement);
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      items[(at + step + items.length) % items.length]?.focus();
    } else if (event.key === 'Tab') {
      setOpen(false);
    }
  };

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
        onClick={() => setOpen(!open)}
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
