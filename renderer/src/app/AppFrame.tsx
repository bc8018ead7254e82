import type { Me } from '@shared/api/auth';
import { useContractEvents } from '../api/use-contract-events';
import { LockScreen } from '../auth/LockScreen';
import { MeProvider } from '../auth/session';
import { useSessionWatch } from '../auth/use-session-watch';
import { useHealthDialogs } from '../health/health-dialog-store';
import { HealthDialogHost } from '../health/HealthDialogHost';
import { useHealthEvents } from '../health/use-health-events';
import { usePaletteShortcut } from '../palette/use-palette-shortcut';
import { useDialogStore } from '../state/dialog-store';
import { useUpdateEvents } from '../updates/use-update-status';
import { DialogHost } from './DialogHost';
import { focusMain, useFocusMainAfterChange } from './focus';
import { Header } from './Header';
import { Navigation } from './Navigation';
import { Page } from './Page';
import { useRoute, useRouteServerId } from './routes';

/**
 * The signed-in app: header, navigation, the page and its dialogs. When the session locks, all
 * of it stays mounted, inert, under the lock screen, and the event stream closes until the
 * same user has signed in again.
 */
export function AppFrame({ me, locked }: { me: Me; locked: boolean }) {
  useContractEvents(!locked);
  useHealthEvents(!locked);
  useUpdateEvents(!locked);
  usePaletteShortcut(!locked);
  useSessionWatch(me, locked);
  const route = useRoute();
  const serverId = useRouteServerId();
  const appModal = useDialogStore((state) => state.dialog !== null);
  const healthModal = useHealthDialogs((state) => state.dialog !== null);
  const modalOpen = appModal || healthModal;
  const inert = modalOpen || locked;
  // A new page starts the keyboard at its content, unless it opened with a dialog (the palette's
  // "add a check to…"), which has taken focus itself.
  useFocusMainAfterChange(`${route}/${serverId ?? ''}`, () => !modalOpen && !locked);
  return (
    <MeProvider me={me}>
      <div className="shell" inert={inert} aria-hidden={inert ? true : undefined}>
        {/* The hash router would take "#main" for a page: the link moves focus, not the address. */}
        <a
          className="skip-link"
          href="#main"
          onClick={(event) => {
            event.preventDefault();
            focusMain();
          }}
        >
          Skip to content
        </a>
        <Header />
        <Navigation current={route} />
        <main id="main" className="main" tabIndex={-1}>
          <Page route={route} />
        </main>
      </div>
      <div inert={locked} aria-hidden={locked ? true : undefined}>
        <DialogHost />
        <HealthDialogHost />
      </div>
      {locked ? <LockScreen user={me} /> : null}
    </MeProvider>
  );
}
