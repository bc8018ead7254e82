import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { OutputOf, Methods } from '@shared/api';
import type { Role } from '@shared/permissions';
import { MeProvider } from '../auth/session';
import { fakeClient } from '../testing/fake-client';
import { me } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { SessionsSection } from './SessionsSection';

type Session = OutputOf<Methods['sessions.list']>['items'][number];

function session(overrides: Partial<Session>): Session {
  return {
    id: 'session-1',
    userId: 'user-1',
    username: 'bob',
    role: 'operator',
    origin: 'http:192.0.2.10',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
    createdAt: 1_700_000_000_000,
    lastSeenAt: 1_700_000_000_000,
    expiresAt: 1_700_043_200_000,
    current: false,
    ...overrides,
  };
}

function renderAs(role: Role) {
  const client = fakeClient({
    'sessions.list': async () => ({ items: [session({}), session({ id: 'session-2', userId: 'user-2', username: 'olivia', role: 'owner' })] }),
  });
  renderWithClient(
    <MeProvider me={me({ role })}>
      <SessionsSection everyone />
    </MeProvider>,
    client,
  );
}

const rowOf = async (username: string) => (await screen.findByText(username)).closest('tr') as HTMLElement;

describe('SessionsSection (everyone’s)', () => {
  it('offers an admin Revoke on everyone’s sessions but an owner’s', async () => {
    renderAs('admin');
    expect(within(await rowOf('bob')).getByRole('button', { name: /^Revoke session of bob/ })).toBeTruthy();
    expect(within(await rowOf('olivia')).queryByRole('button')).toBeNull();
  });

  it('offers an owner Revoke on an owner’s session too', async () => {
    renderAs('owner');
    expect(within(await rowOf('olivia')).getByRole('button', { name: /^Revoke session of olivia/ })).toBeTruthy();
  });
});
