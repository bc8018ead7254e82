import { QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactNode } from 'react';
import type { GuardianClient } from '../api/client';
import { ClientProvider } from '../api/client-context';
import { useContractEvents } from '../api/use-contract-events';
import { App } from '../app/App';
import { createQueryClient } from '../app/query-client';
import { Toasts } from '../ui/Toasts';

function Events() {
  useContractEvents();
  return null;
}

/** Renders UI as the app does: real query cache, event wiring and toasts, over the given client. */
export function renderWithClient(ui: ReactNode, client: GuardianClient): RenderResult {
  const queryClient = createQueryClient();
  return render(
    <ClientProvider client={client}>
      <QueryClientProvider client={queryClient}>
        <Events />
        {ui}
        <Toasts />
      </QueryClientProvider>
    </ClientProvider>,
  );
}

/** The whole app as main.tsx mounts it, over the given client. */
export function renderApp(client: GuardianClient): RenderResult {
  return render(
    <ClientProvider client={client}>
      <QueryClientProvider client={createQueryClient()}>
        <App />
      </QueryClientProvider>
    </ClientProvider>,
  );
}
