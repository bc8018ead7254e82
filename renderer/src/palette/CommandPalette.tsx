import { useId, useState, type KeyboardEvent } from 'react';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { useCan } from '../auth/session';
import { useHealthDialogs } from '../health/health-dialog-store';
import { serverHealthHref } from '../app/routes';
import { useDialogStore } from '../state/dialog-store';
import { useEffectiveTheme, useThemeStore } from '../state/theme-store';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { useDebouncedValue } from '../ui/use-debounced-value';
import { useStoreUpdateStatus, useUpdateStatus } from '../updates/use-update-status';
import { actionItems, filterItems, pageItems, PALETTE_GROUPS, serverItems, type PaletteItem } from './palette-items';
import './palette.css';

export const SERVER_SEARCH_DEBOUNCE_MS = 200;
const SERVER_RESULTS = 8;

type Mode = 'everything' | 'add-check';

/** The servers whose name, host or notes match, once the typing has settled; the picker shows the first ones unasked. */
function useServerSearch(query: string, mode: Mode) {
  const can = useCan();
  const settled = useDebouncedValue(query.trim(), SERVER_SEARCH_DEBOUNCE_MS);
  const wanted = can('servers:read') && (mode === 'add-check' || query.trim() !== '');
  const enabled = can('servers:read') && (mode === 'add-check' || settled !== '');
  const search = useMethodQuery('servers.list', settled ? { q: settled, limit: SERVER_RESULTS } : { limit: SERVER_RESULTS }, { enabled });
  // Results for an older query are not offered: Enter must never open a server the box no longer names.
  const current = enabled && settled === query.trim();
  return {
    servers: current ? (search.data?.items ?? []) : [],
    searching: wanted && (!current || search.isPending),
  };
}

/**
 * Ctrl/Cmd+K: go to a page or a server, or take an action, from the keyboard. The ARIA combobox
 * pattern: focus stays in the search box, arrows move the active option, Enter chooses it, Esc
 * closes (or leaves the server picker) and focus returns where it was.
 */
export function CommandPalette({ onClose }: { onClose(): void }) {
  const can = useCan();
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<Mode>('everything');
  const [activeId, setActiveId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const listId = useId();
  const theme = useEffectiveTheme();
  const chooseTheme = useThemeStore((state) => state.choose);
  const openDialog = useDialogStore((state) => state.open);
  const openHealthDialog = useHealthDialogs((state) => state.open);
  const vault = useMethodQuery('vault.status', {}, { enabled: can('vault:read') });
  const updates = useUpdateStatus();
  const lockVault = useMethodMutation('vault.lock');
  const checkUpdates = useMethodMutation('updates.check');
  const storeUpdateStatus = useStoreUpdateStatus();
  const { servers, searching } = useServerSearch(query, mode);

  const items: PaletteItem[] =
    mode === 'add-check'
      ? serverItems(servers, 'add-check')
      : [
          ...filterItems(pageItems(can), query),
          ...filterItems(
            actionItems({
              can,
              theme,
              vaultUnlocked: vault.data !== undefined && vault.data.initialized && !vault.data.locked,
              updatesSupported: updates?.supported === true,
            }),
            query,
          ),
          ...serverItems(servers, 'open'),
        ];
  const found = items.findIndex((item) => item.id === activeId);
  const activeIndex = found === -1 ? 0 : found;
  const active = items[activeIndex];
  const optionId = (item: PaletteItem) => `${listId}-${item.id}`;

  const search = (text: string) => {
    setQuery(text);
    setActiveId(null);
  };
  const leavePicker = () => {
    setMode('everything');
    search('');
  };

  /** Runs an action that needs the server: the palette stays open, busy, until it is done. */
  const runCall = async (call: () => Promise<void>) => {
    setBusy(true);
    try {
      await call();
      onClose();
    } catch (error) {
      toast.error(error);
      setBusy(false);
    }
  };

  const choose = (item: PaletteItem) => {
    if (busy) return;
    const { command } = item;
    switch (command.kind) {
      case 'go':
        onClose();
        window.location.hash = command.href;
        return;
      case 'add-server':
        openDialog({ kind: 'server-create' });
        return;
      case 'pick-server-for-check':
        setMode('add-check');
        search('');
        return;
      case 'add-check':
        onClose();
        window.location.hash = serverHealthHref(command.server.id);
        openHealthDialog({ kind: 'check-create', server: command.server });
        return;
      case 'verify-audit':
        window.location.hash = '#/audit';
        openDialog({ kind: 'audit-verify' });
        return;
      case 'lock-vault':
        void runCall(async () => {
          await lockVault.mutateAsync({});
          toast.success('Vault locked', 'Secrets cannot be used until it is unlocked again.');
        });
        return;
      case 'theme':
        chooseTheme(command.theme);
        onClose();
        return;
      case 'check-updates':
        void runCall(async () => {
          storeUpdateStatus(await checkUpdates.mutateAsync({}));
          toast.info('Checking for updates…', 'The header shows what is found.');
        });
        return;
      default: {
        const unreachable: never = command;
        return unreachable;
      }
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    const step = event.key === 'ArrowDown' ? 1 : event.key === 'ArrowUp' ? -1 : 0;
    if (step !== 0) {
      event.preventDefault();
      const next = items[(activeIndex + step + items.length) % Math.max(items.length, 1)];
      if (next) {
        setActiveId(next.id);
        document.getElementById(optionId(next))?.scrollIntoView?.({ block: 'nearest' });
      }
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (active) choose(active);
    } else if (event.key === 'Escape' && mode === 'add-check') {
      // Back to everything; a second Esc closes (the dialog's own handler).
      event.preventDefault();
      leavePicker();
    } else if (event.key === 'Backspace' && mode === 'add-check' && query === '') {
      leavePicker();
    }
  };

  const picking = mode === 'add-check';
  const emptyText = searching
    ? 'Searching servers…'
    : items.length === 0
      ? picking
        ? query.trim()
          ? `No server matches “${query.trim()}”.`
          : 'There are no servers yet.'
        : `Nothing matches “${query.trim()}”.`
      : '';

  return (
    <Dialog
      title={picking ? 'Add a check to…' : 'Go to or do'}
      description={picking ? 'Choose the server. Esc goes back.' : 'Pages, servers and actions. ↑ ↓ to move, Enter to choose, Esc to close.'}
      onClose={onClose}
      size="medium"
      testId="command-palette"
    >
      <div className="palette" aria-busy={busy}>
        <input
          className="input palette__input"
          role="combobox"
          aria-label={picking ? 'Server to add a check to' : 'Search pages, servers and actions'}
          aria-expanded={items.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={active ? optionId(active) : undefined}
          placeholder={picking ? 'Server name or host' : 'Type a page, a server or an action'}
          autoComplete="off"
          spellCheck={false}
          value={query}
          onChange={(event) => search(event.target.value)}
          onKeyDown={onKeyDown}
          data-autofocus
          data-testid="palette-input"
        />
        <div id={listId} role="listbox" aria-label={picking ? 'Servers' : 'Results'} className="palette__list">
          {PALETTE_GROUPS.map((group) => {
            const inGroup = items.filter((item) => item.group === group);
            if (inGroup.length === 0) return null;
            const headingId = `${listId}-${group}`;
            return (
              <div key={group} role="group" aria-labelledby={headingId}>
                <div id={headingId} role="presentation" className="palette__group">
                  {group}
                </div>
                {inGroup.map((item) => (
                  <div
                    key={item.id}
                    id={optionId(item)}
                    role="option"
                    aria-selected={item === active}
                    className="palette__option"
                    // Focus stays in the search box: a click chooses without taking it.
                    onMouseDown={(event) => event.preventDefault()}
                    onMouseMove={() => {
                      if (item !== active) setActiveId(item.id);
                    }}
                    onClick={() => choose(item)}
                  >
                    <span className="palette__label">{item.label}</span>
                    {item.detail ? <span className="palette__detail">{item.detail}</span> : null}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
        <p className="palette__state" role="status">
          {busy ? 'Working…' : emptyText}
        </p>
      </div>
    </Dialog>
  );
}
