import { createContext, useContext, type ReactNode } from 'react';
import type { GuardianClient } from './client';

const ClientContext = createContext<GuardianClient | undefined>(undefined);

export function ClientProvider({ client, children }: { client: GuardianClient; children: ReactNode }) {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

export function useClient(): GuardianClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient needs a <ClientProvider> above it');
  return client;
}
