import type { Server } from '@shared/api/servers';
import type { Role } from '@shared/permissions';
import { MeProvider } from '../auth/session';
import { fakeClient, type FakeClient, type Handlers } from '../testing/fake-client';
import { me } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { OperationsPage } from './OperationsPage';

/**
 * The Operations page as a role sees it, over a fake client answering with `fleet`, no runs and no
 * runbooks unless `extra` says otherwise: for the page's component tests.
 */
export function renderOperationsPage(role: Role, fleet: readonly Server[], extra: Handlers = {}): FakeClient {
  const client = fakeClient({
    'servers.list': async () => ({ items: [...fleet], total: fleet.length }),
    'servers.facets': async () => ({ tags: [], environments: [] }),
    'operations.runs': async () => ({ items: [] }),
    'runbooks.list': async () => ({ items: [] }),
    ...extra,
  });
  renderWithClient(
    <MeProvider me={me({ role })}>
      <OperationsPage />
    </MeProvider>,
    client,
  );
  return client;
}

/** The inputs of each call of `name` the page made, in order. */
export const callsOf = (client: FakeClient, name: string): unknown[] => client.calls.filter((call) => call.name === name).map((call) => call.input);
