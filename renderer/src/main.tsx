import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from './api/client';
import { ClientProvider } from './api/client-context';
import { selectTransport } from './api/select-transport';
import { App } from './app/App';
import { createQueryClient } from './app/query-client';
// Each sheet sits beside what it styles; the app-wide ones are imported here, in cascade order:
// the design tokens and page base, the shell, the shared controls, then the areas whose sheets
// also style pieces used elsewhere (the wizard, the lock screen, the user menu).
import './app/tokens.css';
import './app/base.css';
import './app/shell.css';
import './ui/controls.css';
import './ui/labels.css';
import './ui/dialog.css';
import './ui/table.css';
import './ui/feedback.css';
import './auth/auth.css';
import './account/account.css';
import './vault/vault.css';

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
