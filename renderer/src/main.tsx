import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from './api/client';
import { ClientProvider } from './api/client-context';
import { selectTransport } from './api/select-transport';
import { App } from './app/App';
import { createQueryClient } from './app/query-client';
import './styles/tokens.css';
import './styles/base.css';
import './styles/shell.css';
import './styles/controls.css';
import './styles/labels.css';
import './styles/dialog.css';
import './styles/table.css';
import './styles/feedback.css';
import './styles/auth.css';
import './styles/account.css';
import './styles/vault.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

const client = createClient(selectTransport(window));
const queryClient = createQueryClient();

createRoot(container).render(
  <StrictMode>
    <ClientProvider client={client}>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </ClientProvider>
  </StrictMode>,
);
