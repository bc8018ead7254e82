import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeClient } from '../testing/fake-client';
import { job } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { RotateDialog } from './RotateDialog';

const rotation = (overrides: Parameters<typeof job>[0] = {}) => job({ kind: 'vault.rotate', title: 'Rotate the vault’s data key', ...overrides });

describe('RotateDialog', () => {
  it('asks first, then draws the rotation’s progress from job events and ends on the result', async () => {
    const client = fakeClient({ 'vault.rotate': async () => rotation(), 'jobs.get': () => new Promise(() => undefined) });
    renderWithClient(<RotateDialog resume={false} onClose={() => undefined} />, client);

    expect(client.calls.some((call) => call.name === 'vault.rotate')).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Rotate data key' }));
    const bar = await screen.findByTestId('rotation-progress');

    client.emit('job.progress', rotation({ status: 'running', done: 200, total: 500 }));
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('200'));
    expect(bar.getAttribute('aria-valuemax')).toBe('500');
    expect(screen.getByTestId('rotation-progress-text').textContent).toBe('200 of 500 secrets re-sealed');

    client.emit('job.progress', rotation({ status: 'succeeded', done: 500, total: 500, result: { kind: 'vault.rotate', reSealed: 500, finished: true } }));
    expect((await screen.findByTestId('rotation-result')).textContent).toContain('500 secrets re-sealed');
    expect(screen.queryByTestId('rotation-progress')).toBeNull();
  });

  it('says where a stopped rotation stands', async () => {
    const client = fakeClient({ 'vault.rotate': async () => rotation(), 'jobs.get': () => new Promise(() => undefined) });
    renderWithClient(<RotateDialog resume onClose={() => undefined} />, client);
    fireEvent.click(screen.getByRole('button', { name: 'Resume rotation' }));
    await screen.findByTestId('rotation-progress');
    client.emit('job.progress', rotation({ status: 'cancelled', done: 200, total: 500, result: { kind: 'vault.rotate', reSealed: 200, finished: false } }));
    expect((await screen.findByTestId('rotation-result')).textContent).toContain('Stopped after 200 secrets re-sealed');
  });
});
