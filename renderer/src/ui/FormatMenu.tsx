import { busyProps } from './busy';
import { ChevronIcon, DownloadIcon } from './icons';
import { useMenu } from './use-menu';

export interface FormatText {
  label: string;
  note: string;
}

interface FormatMenuProps<F extends string> {
  /** What is exported ("servers matching the filters"): the menu's caption and name. */
  scope: string;
  formats: readonly F[];
  text: Record<F, FormatText>;
  pending: boolean;
  /** The button's text while `pending` ("Starting…" for a job, "Exporting…" for a download). */
  pendingLabel: string;
  disabled?: boolean;
  onPick(format: F): void;
}

/** An "Export" button opening a menu of file formats, each with a line on what it is for. */
export function FormatMenu<F extends string>({ scope, formats, text, pending, pendingLabel, disabled = false, onPick }: FormatMenuProps<F>) {
  const { open, toggle, close, root, button, onMenuKey } = useMenu();
  const pick = (format: F) => {
    close();
    onPick(format);
  };
  return (
    <div className="menu-anchor" ref={root}>
      <button
        ref={button}
        type="button"
        className="button"
        aria-haspopup="menu"
        aria-expanded={open}
        disabled={disabled}
        {...busyProps(pending)}
        onClick={toggle}
      >
        <DownloadIcon />
        {pending ? pendingLabel : 'Export'}
        <ChevronIcon />
      </button>
      {open ? (
        <div className="menu" role="menu" aria-label={`Export ${scope}`} onKeyDown={onMenuKey}>
          <p className="menu__caption" aria-hidden="true">
            {scope}
          </p>
          {formats.map((format) => (
            <button key={format} type="button" role="menuitem" className="menu__item" tabIndex={-1} onClick={() => pick(format)}>
              <span className="menu__label">{text[format].label}</span>
              <span className="menu__note">{text[format].note}</span>
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}
