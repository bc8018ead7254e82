import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Runbook } from '@shared/api/runbooks';
import type { Role } from '@shared/permissions';
import type { Handlers } from '../testing/fake-client';
import { fieldError, me, RUNBOOK_ID, runbook, server } from '../testing/fixtures';
import { withLayout } from '../testing/layout';
import { useOperationsView } from './operations-store';
import { callsOf, renderOperationsPage } from './render-page';

withLayout();
afterEach(() => {
  useOperationsView.setState({ runId: null, serverId: null, draft: null });
  vi.restoreAllMocks();
});

const WEB1 = server({ id: 'a1b2c3d4-0000-4000-8000-000000000001', name: 'web-1', tags: ['web'] });
const WEB2 = server({ id: 'a1b2c3d4-0000-4000-8000-000000000002', name: 'web-2', tags: ['web'] });

const renderAs = (role: Role, extra: Handlers = {}) =>
  renderOperationsPage(role, [WEB1, WEB2], { 'runbooks.list': async () => ({ items: [runbook()] }), ...extra });

const change = (element: HTMLElement, value: string) => fireEvent.change(element, { target: { value } });

describe('Writing runbooks on the Operations page', () => {
  it('shows the writing buttons to roles with runbooks:write only', async () => {
    renderAs('admin');
    await screen.findByRole('button', { name: 'Edit restart-service' });
    expect(screen.getByRole('button', { name: 'New runbook' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Import file' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Archive restart-service' })).toBeTruthy();
  });

  it('offers an operator the Run button and nothing to write', async () => {
    renderAs('operator');
    await screen.findByRole('button', { name: 'Run restart-service' });
    expect(screen.queryByRole('button', { name: 'New runbook' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Edit restart-service' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Archive restart-service' })).toBeNull();
    expect(screen.queryByTestId('runbooks-toolbar')).toBeNull();
  });

  it('creates a runbook with each parameter type, its default targets and flags, and places the service’s refusals under their fields', async () => {
    let refuse = true;
    const client = renderAs('owner', {
      'runbooks.create': async (input) => {
        if (refuse) {
          refuse = false;
          throw fieldError('VALIDATION_FAILED', [
            { path: ['params', 1, 'max'], message: 'min is above max' },
            { path: ['defaultTargets', 'tags', 0], message: 'Not a tag' },
          ]);
        }
        return runbook({ ...(input as Partial<Runbook>), id: RUNBOOK_ID, version: 1 });
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'New runbook' }));
    const dialog = await screen.findByRole('dialog', { name: 'New runbook' });
    // Nothing typed: the form's own checks, nothing sent.
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create runbook' }));
    expect(within(dialog).getByTestId('runbook-editor-name-error').textContent).toBe('Enter a name, e.g. restart-nginx.');
    expect(within(dialog).getByTestId('runbook-editor-script-error').textContent).toBe('Enter the script each server runs.');
    expect(callsOf(client, 'runbooks.create')).toEqual([]);

    change(within(dialog).getByLabelText('Name'), 'deploy-app');
    change(within(dialog).getByLabelText('Script'), 'deploy.sh "$VERSION" "$COUNT" "$MODE" "$HOST"');
    const script = within(dialog).getByLabelText('Script');
    expect(script.tagName).toBe('TEXTAREA');
    expect(script.className).toContain('mono');
    for (let each = 0; each < 5; each++) fireEvent.click(within(dialog).getByRole('button', { name: 'Add parameter' }));
    const type = (index: number, value: string) => change(within(dialog).getByTestId(`runbook-editor-param-${index}-type`), value);
    const field = (index: number, key: string, value: string) => change(within(dialog).getByTestId(`runbook-editor-param-${index}-${key}`), value);
    field(0, 'name', 'VERSION');
    field(0, 'pattern', '[0-9.]+');
    type(1, 'number');
    field(1, 'name', 'COUNT');
    field(1, 'min', '5');
    field(1, 'max', '2');
    fireEvent.click(within(dialog).getByTestId('runbook-editor-param-1-integer'));
    type(2, 'choice');
    field(2, 'name', 'MODE');
    field(2, 'options', 'soft\nhard');
    field(2, 'default', 'soft');
    type(3, 'server');
    field(3, 'name', 'HOST');
    field(3, 'field', 'address');
    field(4, 'name', 'TOKEN');
    fireEvent.click(within(dialog).getByTestId('runbook-editor-param-4-secret'));
    // A secret has no default to type.
    expect(within(dialog).queryByTestId('runbook-editor-param-4-default')).toBeNull();
    change(within(dialog).getByLabelText('Tags'), 'web');
    await waitFor(() => expect(within(dialog).getByTestId('runbook-editor-preview').textContent).toContain('Matches 2 servers'));
    change(within(dialog).getByLabelText('At a time'), '5');
    change(within(dialog).getByLabelText('Timeout (seconds)'), '60');
    change(within(dialog).getByLabelText('Who may run it'), 'operator');
    fireEvent.click(within(dialog).getByTestId('runbook-editor-sudo'));
    fireEvent.click(within(dialog).getByTestId('runbook-editor-dangerous'));

    fireEvent.click(within(dialog).getByRole('button', { name: 'Create runbook' }));
    await waitFor(() => expect(within(dialog).getByTestId('runbook-editor-param-1-max-error').textContent).toBe('min is above max'));
    // The default targets' refusal lands under the target fields.
    expect(within(dialog).getByText('Entry 1: Not a tag')).toBeTruthy();
    const sent = {
      name: 'deploy-app',
      description: '',
      script: 'deploy.sh "$VERSION" "$COUNT" "$MODE" "$HOST"',
      params: [
        { name: 'VERSION', type: 'string', description: '', required: true, secret: false, pattern: '[0-9.]+' },
        { name: 'COUNT', type: 'number', description: '', required: true, integer: true, min: 5, max: 2 },
        { name: 'MODE', type: 'choice', description: '', required: true, options: ['soft', 'hard'], default: 'soft' },
        { name: 'HOST', type: 'server', description: '', required: true, field: 'address' },
        { name: 'TOKEN', type: 'string', description: '', required: true, secret: true },
      ],
      defaultTargets: { serverIds: [], tags: ['web'], environments: [] },
      concurrency: 5,
      timeoutSeconds: 60,
      rolling: null,
      sudo: true,
      dangerous: true,
      runnableBy: 'operator',
    };
    expect(callsOf(client, 'runbooks.create')).toEqual([sent]);

    // Editing the field clears its error; removing a parameter sends the rest.
    field(1, 'max', '9');
    expect(within(dialog).queryByTestId('runbook-editor-param-1-max-error')).toBeNull();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove Parameter 4: HOST' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create runbook' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const second = callsOf(client, 'runbooks.create')[1] as typeof sent;
    expect(second.params.map((param) => param.name)).toEqual(['VERSION', 'COUNT', 'MODE', 'TOKEN']);
    expect(second.params[1]).toMatchObject({ min: 5, max: 9 });
    expect(screen.getByTestId('toast').textContent).toContain('Created deploy-app');
  });

  it('edits a runbook as a new version, filled in with what it says now, and shows its versions read-only', async () => {
    const current = runbook({
      defaultTargets: { serverIds: [WEB1.id], tags: [], environments: [] },
      params: [{ name: 'LEVEL', type: 'number', description: 'How hard', required: false, default: 2, min: 1, max: 3, integer: true }],
    });
    const client = renderAs('admin', {
      'runbooks.list': async () => ({ items: [current] }),
      'runbooks.update': async () => runbook({ version: 3 }),
      'runbooks.versions': async () => ({
        items: [
          { version: 2, spec: { ...current, rolling: null }, createdBy: `user:${me().id}`, createdAt: 1_700_000_100_000 },
          { version: 1, spec: { ...current, script: 'echo first', params: [], rolling: null }, createdBy: `user:${me().id}`, createdAt: 1_700_000_000_000 },
        ],
      }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Edit restart-service' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit restart-service' });
    expect((within(dialog).getByTestId('runbook-editor-name') as HTMLInputElement).value).toBe('restart-service');
    expect((within(dialog).getByTestId('runbook-editor-param-0-min') as HTMLInputElement).value).toBe('1');
    expect((within(dialog).getByTestId('runbook-editor-param-0-default') as HTMLInputElement).value).toBe('2');
    expect(within(dialog).getByTestId('runbook-editor-chosen').textContent).toContain('web-1');
    change(within(dialog).getByLabelText('Script'), 'systemctl reload "$SERVICE"');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save version 3' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(callsOf(client, 'runbooks.update')).toEqual([
      expect.objectContaining({
        id: RUNBOOK_ID,
        script: 'systemctl reload "$SERVICE"',
        params: [{ name: 'LEVEL', type: 'number', description: 'How hard', required: false, integer: true, default: 2, min: 1, max: 3 }],
        defaultTargets: { serverIds: [WEB1.id], tags: [], environments: [] },
      }),
    ]);

    fireEvent.click(screen.getByRole('button', { name: 'Versions of restart-service' }));
    const versions = await screen.findByRole('dialog', { name: 'Versions of restart-service' });
    const items = await within(versions).findAllByTestId('runbook-version');
    expect(items.map((item) => item.querySelector('summary')?.textContent)).toEqual([
      expect.stringContaining('Version 2 (current)'),
      expect.stringContaining('Version 1'),
    ]);
    expect(items[1]?.textContent).toContain('echo first');
    expect(within(versions).queryByRole('textbox')).toBeNull();
  });

  it('archives after asking, lists the archived ones, and exports a runbook as its file', async () => {
    const download = vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:runbook');
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    const client = renderAs('admin', {
      'runbooks.list': async (input) => ({ items: input.archived ? [runbook({ name: 'old-one', archivedAt: 1_700_000_000_000 })] : [runbook()] }),
      'runbooks.delete': async () => runbook({ archivedAt: Date.now() }),
      'runbooks.export': async () => ({ fileName: 'restart-service.runbook.json', content: '{"format":"guardian-runbook/1"}' }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Archive restart-service' }));
    const confirm = await screen.findByRole('dialog', { name: 'Archive restart-service?' });
    expect(callsOf(client, 'runbooks.delete')).toEqual([]);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Archive' }));
    await waitFor(() => expect(callsOf(client, 'runbooks.delete')).toEqual([{ id: RUNBOOK_ID }]));

    fireEvent.click(screen.getByRole('button', { name: 'Export restart-service' }));
    await waitFor(() => expect(download).toHaveBeenCalledOnce());
    const blob = download.mock.calls[0]?.[0] as Blob;
    expect(await blob.text()).toBe('{"format":"guardian-runbook/1"}');

    fireEvent.click(screen.getByTestId('runbooks-archived'));
    expect(await screen.findByRole('button', { name: 'Edit and restore old-one' })).toBeTruthy();
    // An archived runbook does not run and cannot be archived again.
    expect(screen.queryByRole('button', { name: 'Run old-one' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Archive old-one' })).toBeNull();
  });

  it('imports a runbook file and says what it did, or why the file was refused', async () => {
    let answer: 'new-version' | 'refuse' = 'refuse';
    const client = renderAs('owner', {
      'runbooks.import': async () => {
        if (answer === 'refuse') throw fieldError('VALIDATION_FAILED', [{ path: ['content', 'runbook', 'script'], message: 'Enter a script' }]);
        return { runbook: runbook({ version: 3 }), outcome: answer };
      },
    });
    const input = await screen.findByTestId('runbook-import-file');
    const file = new File(['{"format":"guardian-runbook/1"}'], 'restart.runbook.json', { type: 'application/json' });
    fireEvent.change(input, { target: { files: [file] } });
    expect((await screen.findByTestId('runbook-import-error')).textContent).toContain('content.runbook.script: Enter a script');
    answer = 'new-version';
    fireEvent.change(input, { target: { files: [file] } });
    await waitFor(() => expect(screen.getByTestId('toast').textContent).toContain('New version of restart-service, version 3'));
    expect(callsOf(client, 'runbooks.import')).toEqual([{ content: '{"format":"guardian-runbook/1"}' }, { content: '{"format":"guardian-runbook/1"}' }]);
    expect(screen.queryByTestId('runbook-import-error')).toBeNull();
  });
});
