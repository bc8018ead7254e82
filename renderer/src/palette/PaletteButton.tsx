import { SearchIcon } from '../ui/icons';
import { openPalette } from './use-palette-shortcut';

const onMac = () => /Mac|iPhone|iPad/.test(globalThis.navigator?.platform ?? '');

/**
 * The header's way into the palette, for the mouse, with its shortcut on it. The shortcut shown
 * is part of the button's name ("Command palette Ctrl+K"), so saying what is seen reaches it.
 */
export function PaletteButton() {
  const shortcut = onMac() ? '⌘K' : 'Ctrl+K';
  return (
    <button
      type="button"
      className="button button--ghost palette-button"
      aria-keyshortcuts="Control+K Meta+K"
      title={`Go to a page or a server, or take an action (${shortcut})`}
      onClick={openPalette}
      data-testid="palette-button"
    >
      <SearchIcon />
      <span className="visually-hidden">Command palette </span>
      <kbd>{shortcut}</kbd>
    </button>
  );
}
