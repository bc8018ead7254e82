import { useContractEvents } from '../api/use-contract-events';
import { JobsPage } from '../jobs/JobsPage';
import { ServersPage } from '../servers/ServersPage';
import { useDialogStore } from '../state/dialog-store';
import { Toasts } from '../ui/Toasts';
import { DialogHost } from './DialogHost';
import { Header } from './Header';
import { Navigation } from './Navigation';
import { useRoute, type RouteId } from './routes';

function Page({ route }: { route: RouteId }) {
  switch (route) {
    case 'servers':
      return <ServersPage />;
    case 'jobs':
      return <JobsPage />;
    default: {
      const unreachable: never = route;
      return unreachable;
    }
  }
}

export function App() {
  useContractEvents();
  const route = useRoute();
  const modalOpen = useDialogStore((state) => state.dialog !== null);
  return (
    <>
      <div className="shell" inert={modalOpen} aria-hidden={modalOpen ? true : undefined}>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <Header />
        <Navigation current={route} />
        <main id="main" className="main" tabIndex={-1}>
          <Page route={route} />
        </main>
      </div>
      <DialogHost />
      <Toasts />
    </>
  );
}
