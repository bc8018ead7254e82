import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { OperationPushInput } from '@shared/api/operations';
import { fieldError, job, operationRun, secret, server } from '../testing/fixtures';
import { withLayout } from '../testing/layout';
import { useOperationsView } from './operations-store';
import { callsOf, renderOperationsPage } from './render-page';

withLayout();
afterEach(() => useOperationsView.setState({ runId: null, serverId: null, draft: null }));

const WEB1 = server({ id: 'a1b2c3d4-0000-4000-8000-000000000001', name: 'web-1', tags: ['web'], environment: 'prod' });
const WEB2 = server({ id: 'a1b2c3d4-0000-4000-8000-000000000002', name: 'web-2', tags: ['web'], environment: 'staging' });
const FLEET = [WEB1, WEB2];
const NOTE = secret({ id: '3c2b1a0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d', name: 'app env', kind: 'note', serverIds: [WEB1.id] });

/** A started push as the service answers it. */
const started = (input: OperationPushInput) => ({
  ...operationRun({ status: 'running', finishedAt: null, command: `push ${input.path} (${input.mode ?? '0644'})` }),
  targets: [],
  job: job({ kind: 'operations.run', status: 'running' }),
});

function renderAs(role: 'admin' | 'operator' | 'viewer' | 'auditor', extra = {}) {
  return renderOperationsPage(role, FLEET, {
    'secrets.list': async () => ({ items: [NOTE] }),
    'operations.push': async (input: OperationPushInput) => started(input),
    ...extra,
  });
}

describe('Push a file', () => {
  it('sends the chosen file as base64 with its path, mode, owner and the servers it matches', async () => {
    const client = renderAs('admin');
    const form = await screen.findByTestId('push-form');
    const file = new File(['listen 80;\n'], 'nginx.conf', { type: 'text/plain' });
    fireEvent.change(screen.getByTestId('push-form-file'), { target: { files: [file] } });
    await waitFor(() => expect(form.textContent).toContain('nginx.conf, 11 bytes'));
    fireEvent.change(screen.getByTestId('push-form-path'), { target: { value: '/etc/nginx/nginx.conf' } });
    fireEvent.change(screen.getByTestId('push-form-mode'), { target: { value: '0640' } });
    fireEvent.change(screen.getByTestId('push-form-owner'), { target: { value: 'root:root' } });
    fireEvent.change(within(form).getByLabelText('Tags'), { target: { value: 'web' } });
    await waitFor(() => expect(screen.getByTestId('push-form-submit').textContent).toBe('Push to 2 servers'));
    fireEvent.click(screen.getByTestId('push-form-submit'));
    await waitFor(() =>
      expect(callsOf(client, 'operations.push')).toEqual([
        {
          targets: { serverIds: [], tags: ['web'], environments: [] },
          path: '/etc/nginx/nginx.conf',
          mode: '0640',
          owner: 'root:root',
          content: btoa('listen 80;\n'),
        },
      ]),
    );
  });

  it('checks the form before sending, and places the service’s refusal under its field', async () => {
    const client = renderAs('admin', {
      'operations.push': async () => {
        throw fieldError('VALIDATION_FAILED', [{ path: ['path'], message: 'A normalised path: no //, . or ..' }]);
      },
    });
    await screen.findByTestId('push-form');
    fireEvent.change(screen.getByTestId('push-form-mode'), { target: { value: '999' } });
    fireEvent.click(screen.getByTestId('push-form-submit'));
    await waitFor(() => expect(screen.getByTestId('push-form-path-error').textContent).toBe('Enter where the file goes on the servers, e.g. /etc/app.conf.'));
    expect(screen.getByTestId('push-form-mode-error').textContent).toBe('An octal mode of 3 or 4 digits, e.g. 0644.');
    expect(screen.getByTestId('push-form-file-error').textContent).toBe('Choose the file to push.');
    expect(callsOf(client, 'operations.push')).toEqual([]);

    // A vault note instead of a file, sent by its id.
    fireEvent.click(screen.getByRole('radio', { name: /A note in the vault/ }));
    await waitFor(() => expect(screen.getByRole('option', { name: 'app env (linked to 1 server)' })).toBeTruthy());
    fireEvent.change(screen.getByTestId('push-form-note'), { target: { value: NOTE.id } });
    fireEvent.change(screen.getByTestId('push-form-path'), { target: { value: '/etc/./app.env' } });
    fireEvent.change(screen.getByTestId('push-form-mode'), { target: { value: '600' } });
    fireEvent.change(within(screen.getByTestId('push-form')).getByLabelText('Tags'), { target: { value: 'web' } });
    await waitFor(() => expect(screen.getByTestId('push-form-submit').textContent).toBe('Push to 2 servers'));
    fireEvent.click(screen.getByTestId('push-form-submit'));
    await waitFor(() => expect(screen.getByTestId('push-form-path-error').textContent).toBe('A normalised path: no //, . or ..'));
    expect(callsOf(client, 'operations.push')).toEqual([
      { targets: { serverIds: [], tags: ['web'], environments: [] }, path: '/etc/./app.env', mode: '600', secretId: NOTE.id },
    ]);
  });

  it('is offered to owners and admins only', async () => {
    for (const role of ['operator', 'viewer', 'auditor'] as const) {
      renderAs(role);
      await screen.findByRole('heading', { name: 'History' });
      expect(screen.queryByTestId('push-form'), role).toBeNull();
      cleanup();
    }
  });
});
