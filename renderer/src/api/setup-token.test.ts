import { afterEach, describe, expect, it } from 'vitest';
import { takeSetupToken } from './setup-token';

afterEach(() => {
  window.sessionStorage.clear();
  window.history.replaceState(null, '', '/');
});

describe('takeSetupToken', () => {
  it('takes the token out of the address bar and keeps it for reloads of this tab', () => {
    window.history.replaceState(null, '', '/?lang=en#setup=Abc_def-0123456789xyz');
    expect(takeSetupToken(window)).toBe('Abc_def-0123456789xyz');
    expect(window.location.hash).toBe('');
    expect(window.location.search).toBe('?lang=en');
    // After a reload the link's hash is gone; the tab still has the token.
    expect(takeSetupToken(window)).toBe('Abc_def-0123456789xyz');
  });

  it('leaves page routes alone and has no token without the link', () => {
    window.history.replaceState(null, '', '/#/servers');
    expect(takeSetupToken(window)).toBeNull();
    expect(window.location.hash).toBe('#/servers');
  });
});
