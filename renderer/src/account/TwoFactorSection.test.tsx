import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeClient, type Handlers } from '../testing/fake-client';
import { appError, fieldError, me } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { TwoFactorSection } from './TwoFactorSection';

const MATERIAL = { secret: 'JBSWY3DPEHPK3PXP', uri: 'otpauth://totp/Guardian:alice?secret=JBSWY3DPEHPK3PXP', qrDataUrl: 'data:image/svg+xml;base64,PHN2Zy8+' };

function open(handlers: Handlers, totpEnabled = false) {
  const client = fakeClient(handlers);
  renderWithClient(<TwoFactorSection me={me({ totpEnabled })} />, client);
  return client;
}

const section = () => within(screen.getByTestId('two-factor-section'));
const callsOf = (client: ReturnType<typeof fakeClient>, name: string) => client.calls.filter((call) => call.name === name).map((call) => call.input);

describe('Two-factor enrolment', () => {
  it('shows the key to scan, sends the typed code trimmed, then the recovery codes', async () => {
    const client = open({
      'auth.totpBegin': async () => MATERIAL,
      'auth.totpConfirm': async () => ({ recoveryCodes: ['ab12-cd34-ef56', 'gh78-ij90-kl12'] }),
    });
    fireEvent.click(section().getByRole('button', { name: 'Turn on two-factor' }));
    expect((await screen.findByTestId('totp-secret')).textContent).toBe(MATERIAL.secret);
    expect(screen.getByRole('img', { name: 'QR code for your authenticator app' }).getAttribute('src')).toBe(MATERIAL.qrDataUrl);

    fireEvent.change(screen.getByLabelText('Code'), { target: { value: ' 123456 ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));

    expect(await screen.findByText('ab12-cd34-ef56')).toBeTruthy();
    expect(callsOf(client, 'auth.totpConfirm')).toEqual([{ code: '123456' }]);
  });

  it('asks for a code before sending an empty one', async () => {
    const client = open({ 'auth.totpBegin': async () => MATERIAL, 'auth.totpConfirm': async () => ({ recoveryCodes: [] }) });
    fireEvent.click(section().getByRole('button', { name: 'Turn on two-factor' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Confirm' }));

    expect(screen.getByTestId('totp-code-error').textContent).toBe('Enter the 6-digit code from the app.');
    expect(screen.getByLabelText('Code').getAttribute('aria-invalid')).toBe('true');
    expect(callsOf(client, 'auth.totpConfirm')).toEqual([]);
  });

  it('shows a wrong code’s error and lets the person try again, still on the scan step', async () => {
    let attempts = 0;
    open({
      'auth.totpBegin': async () => MATERIAL,
      'auth.totpConfirm': async () => {
        attempts += 1;
        if (attempts === 1) throw fieldError('VALIDATION_FAILED', [{ path: ['code'], message: 'Wrong code' }]);
        return { recoveryCodes: ['ab12-cd34-ef56'] };
      },
    });
    fireEvent.click(section().getByRole('button', { name: 'Turn on two-factor' }));
    fireEvent.change(await screen.findByLabelText('Code'), { target: { value: '000000' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));

    const banner = await screen.findByTestId('totp-error');
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.textContent).toContain('The input is not valid.');
    expect(screen.getByTestId('totp-secret').textContent).toBe(MATERIAL.secret);

    fireEvent.change(screen.getByLabelText('Code'), { target: { value: '654321' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    expect(await screen.findByText('ab12-cd34-ef56')).toBeTruthy();
  });

  it('says why enrolment could not start, and stays off', async () => {
    open({
      'auth.totpBegin': async () => {
        throw appError('CONFLICT', 'TOTP is already on for this account.', 'Turn it off first to enrol a new app.');
      },
    });
    fireEvent.click(section().getByRole('button', { name: 'Turn on two-factor' }));

    const banner = await screen.findByTestId('totp-error');
    expect(banner.textContent).toContain('TOTP is already on for this account.');
    expect(banner.textContent).toContain('Turn it off first to enrol a new app.');
    expect(section().getByText('Off')).toBeTruthy();
    expect(screen.queryByTestId('totp-secret')).toBeNull();
  });

  it('cancelling the scan step goes back without confirming anything', async () => {
    const client = open({ 'auth.totpBegin': async () => MATERIAL, 'auth.totpConfirm': async () => ({ recoveryCodes: [] }) });
    fireEvent.click(section().getByRole('button', { name: 'Turn on two-factor' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel' }));

    expect(section().getByRole('button', { name: 'Turn on two-factor' })).toBeTruthy();
    expect(callsOf(client, 'auth.totpConfirm')).toEqual([]);
  });
});

describe('Turning two-factor off', () => {
  it('asks for the password and shows the server’s answer when it is wrong', async () => {
    const client = open(
      {
        'auth.totpDisable': async () => {
          throw fieldError('VALIDATION_FAILED', [{ path: ['password'], message: 'Wrong password' }]);
        },
      },
      true,
    );
    fireEvent.click(section().getByRole('button', { name: 'Turn off two-factor' }));
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'not my password' } });
    fireEvent.click(screen.getByRole('button', { name: 'Turn off' }));

    expect((await screen.findByTestId('totp-disable-password-error')).textContent).toBe('Wrong password');
    expect(callsOf(client, 'auth.totpDisable')).toEqual([{ password: 'not my password' }]);
  });

  it('is off once the password is right, and says so', async () => {
    open({ 'auth.totpDisable': async () => me({ totpEnabled: false }) }, true);
    fireEvent.click(section().getByRole('button', { name: 'Turn off two-factor' }));
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'violet tulips at dawn' } });
    fireEvent.click(screen.getByRole('button', { name: 'Turn off' }));

    expect(await screen.findByText('Two-factor is off')).toBeTruthy();
    await waitFor(() => expect(screen.queryByLabelText('Password')).toBeNull());
  });
});
