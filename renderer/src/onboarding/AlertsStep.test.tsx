import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { validationError } from '@shared/api';
import { fakeClient } from '../testing/fake-client';
import { secret } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { AlertsStep } from './AlertsStep';

const fill = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

describe('the wizard’s alerts step', () => {
  it('puts a refused mail server under its field and removes the password it had stored, leaving nothing half-made', async () => {
    const client = fakeClient({
      'secrets.create': async (input) => secret({ id: 'mail-password', name: input.name }),
      'secrets.delete': async ({ id }) => ({ id }),
      'alerts.createChannel': async () => {
        throw validationError([{ path: ['config', 'host'], message: 'A loopback, private or link-local address' }]);
      },
    });
    const onDone = vi.fn();
    renderWithClient(<AlertsStep onDone={onDone} />, client);
    fill('SMTP server', '10.0.0.25');
    fill('From', 'guardian@example.net');
    fill('To', 'oncall@example.net');
    fill('Username', 'guardian');
    fill('Password', 'smtp password');
    fireEvent.click(screen.getByRole('button', { name: 'Save and send a test' }));
    expect((await screen.findByTestId('channel-config-host-error')).textContent).toBe('A loopback, private or link-local address');
    expect(client.calls.map((call) => call.name)).toEqual(['secrets.create', 'alerts.createChannel', 'secrets.delete']);
    expect(client.calls.at(-1)?.input).toEqual({ id: 'mail-password' });
    expect(client.calls.some((call) => call.name === 'alerts.createRule')).toBe(false);

    // Skipping leaves the step with nothing set up.
    fireEvent.click(screen.getByRole('button', { name: 'Skip for now' }));
    expect(onDone).toHaveBeenCalledWith(null);
  });
});
