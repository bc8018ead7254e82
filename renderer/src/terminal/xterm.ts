import { FitAddon } from '@xterm/addon-fit';
import { Terminal, type ITerminalInitOnlyOptions, type ITerminalOptions } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { mirrorInlineStyles } from './xterm-styles';

/** The look every terminal in the UI shares: a dark screen whatever the theme, as a terminal is. */
const OPTIONS: ITerminalOptions = {
  fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
  fontSize: 14,
  scrollback: 5_000,
  theme: { background: '#111418', foreground: '#e6e8eb', cursor: '#e6e8eb' },
};

export interface MountedXterm {
  terminal: Terminal;
  /** Sizes the terminal to its box (a live terminal does; a recording keeps its own size). */
  fit(): void;
  dispose(): void;
}

/** An xterm.js terminal opened in `node`, its styles working under the CSP (xterm-styles.ts). */
export function mountXterm(node: HTMLElement, options: ITerminalOptions & ITerminalInitOnlyOptions = {}): MountedXterm {
  const terminal = new Terminal({ ...OPTIONS, ...options });
  const fitAddon = new FitAddon();
  terminal.loadAddon(fitAddon);
  terminal.open(node);
  const unmirror = mirrorInlineStyles(node);
  return {
    terminal,
    fit: () => {
      try {
        fitAddon.fit();
      } catch {
        // Not laid out yet (a hidden box): the next resize fits it.
      }
    },
    dispose: () => {
      terminal.dispose();
      unmirror();
    },
  };
}
