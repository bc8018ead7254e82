import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { toast, useToastStore } from '../state/toast-store';
import { appError } from '../testing/fixtures';
import { Toasts } from './Toasts';

beforeEach(() => {
  vi.useFakeTimers();
  render(<Toasts />);
});

afterEach(() => {
  cleanup();
  useToastStore.setState({ toasts: [] });
  vi.useRealTimers();
});

const shown = () => screen.queryAllByTestId('toast');

describe('Toasts', () => {
  it('announce a success politely and an error at once, with what to do and the reference to quote', () => {
    act(() => {
      toast.success('Added web-01');
      toast.error(appError('UNREACHABLE', 'web-01 did not answer.', 'Check that it is on and reachable.'));
    });
    const [done, failed] = shown();
    expect(done?.getAttribute('role')).toBe('status');
    expect(done?.textContent).toBe('Added web-01');
    expect(failed?.getAttribute('role')).toBe('alert');
    expect(failed?.textContent).toBe('web-01 did not answer.Check that it is on and reachable.Reference c0ffee00-0000-4000-8000-000000000001');
    expect(screen.getByRole('region', { name: 'Notifications' })).toBeTruthy();
  });

  it('show an unexpected failure in plain words, with a hint', () => {
    act(() => toast.error(new Error('socket hang up')));
    expect(shown()[0]?.textContent).toBe('socket hang upTry again; if it keeps happening, check the Guardian log.');
  });

  it('go when dismissed, and one dismissal takes only its own', () => {
    act(() => {
      toast.info('Vault locked');
      toast.info('Update ready');
    });
    fireEvent.click(screen.getAllByRole('button', { name: 'Dismiss notification' })[0] as HTMLElement);
    expect(shown().map((item) => item.textContent)).toEqual(['Update ready']);
  });

  it('leave by themselves: a success after 4 s, an error after 12 s', () => {
    act(() => {
      toast.success('Saved');
      toast.error(appError('CONFLICT', 'The name is taken.'));
    });
    act(() => vi.advanceTimersByTime(3_999));
    expect(shown()).toHaveLength(2);
    act(() => vi.advanceTimersByTime(1));
    expect(shown().map((item) => item.textContent)).toEqual(['The name is taken.Do the obvious thing.Reference c0ffee00-0000-4000-8000-000000000001']);
    act(() => vi.advanceTimersByTime(8_000));
    expect(shown()).toEqual([]);
  });

  it('keep a toast with a next step long enough to take it, and dismiss it when taken', () => {
    act(() => toast.success('Added web-01', undefined, { label: 'Open web-01', href: '#/servers/1' }));
    act(() => vi.advanceTimersByTime(11_000));
    const link = screen.getByRole('link', { name: 'Open web-01' });
    expect(link.getAttribute('href')).toBe('#/servers/1');
    fireEvent.click(link);
    expect(shown()).toEqual([]);
  });

  it('show the five newest at most', () => {
    act(() => {
      for (let n = 1; n <= 7; n += 1) toast.info(`Message ${n}`);
    });
    expect(shown().map((item) => item.textContent)).toEqual(['Message 3', 'Message 4', 'Message 5', 'Message 6', 'Message 7']);
  });
});
