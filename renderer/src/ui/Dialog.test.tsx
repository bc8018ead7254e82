import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { useEffect, useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfirmDialog } from './ConfirmDialog';
import { Dialog } from './Dialog';

afterEach(cleanup);

/** A dialog whose form arrives after a load, as the check editor's does. */
function LoadingThenForm() {
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setLoaded(true), 10);
    return () => clearTimeout(timer);
  }, []);
  return (
    <Dialog title="Add a check" onClose={() => undefined}>
      {loaded ? <input aria-label="Type" data-autofocus /> : <p>Loading…</p>}
    </Dialog>
  );
}

describe('Dialog', () => {
  it('gives focus to the marked field of a form that appears after loading', async () => {
    render(<LoadingThenForm />);
    expect(document.activeElement).toBe(screen.getByRole('dialog'));
    const field = await screen.findByLabelText('Type');
    await waitFor(() => expect(document.activeElement).toBe(field));
  });

  it('is a modal dialog named by its title and described by its description', () => {
    render(
      <Dialog title="Delete web-01" description="Its checks and history go with it." onClose={() => undefined}>
        <button type="button">Cancel</button>
      </Dialog>,
    );
    const dialog = screen.getByRole('dialog', { name: 'Delete web-01' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(document.getElementById(dialog.getAttribute('aria-describedby') ?? '')?.textContent).toBe('Its checks and history go with it.');
  });

  it('closes on Escape, wherever the focus is', () => {
    const onClose = vi.fn();
    render(
      <>
        <button type="button">Behind</button>
        <Dialog title="Rename" onClose={onClose}>
          <input aria-label="Name" />
        </Dialog>
      </>,
    );
    fireEvent.keyDown(screen.getByLabelText('Name'), { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(2);
    fireEvent.keyDown(screen.getByLabelText('Name'), { key: 'Enter' });
    expect(onClose).toHaveBeenCalledTimes(2);
  });

  it('keeps Tab inside: past the last control to the first, Shift+Tab before the first to the last', () => {
    render(
      <>
        <button type="button">Behind</button>
        <Dialog title="Rename" onClose={() => undefined}>
          <input aria-label="Name" />
          <button type="button" disabled>
            Disabled
          </button>
          <button type="button">Save</button>
        </Dialog>
      </>,
    );
    const first = screen.getByLabelText('Name');
    const last = screen.getByRole('button', { name: 'Save' });
    expect(document.activeElement).toBe(first);

    last.focus();
    expect(fireEvent.keyDown(last, { key: 'Tab' })).toBe(false);
    expect(document.activeElement).toBe(first);

    expect(fireEvent.keyDown(first, { key: 'Tab', shiftKey: true })).toBe(false);
    expect(document.activeElement).toBe(last);

    // Between the two, Tab is the browser's: not held back.
    first.focus();
    expect(fireEvent.keyDown(first, { key: 'Tab' })).toBe(true);
  });

  it('gives the focus back to what had it once it closes', () => {
    function Opener() {
      const [open, setOpen] = useState(false);
      return (
        <>
          <button type="button" onClick={() => setOpen(true)}>
            Open
          </button>
          {open ? (
            <Dialog title="Rename" onClose={() => setOpen(false)}>
              <input aria-label="Name" />
            </Dialog>
          ) : null}
        </>
      );
    }
    render(<Opener />);
    const opener = screen.getByRole('button', { name: 'Open' });
    opener.focus();
    fireEvent.click(opener);
    expect(document.activeElement).toBe(screen.getByLabelText('Name'));

    fireEvent.keyDown(document.activeElement as Element, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });
});

describe('ConfirmDialog', () => {
  const props = { title: 'Delete web-01', testId: 'confirm', confirmLabel: 'Delete', pendingLabel: 'Deleting…', error: null } as const;

  it('puts the focus on the safe choice, and confirms only when asked', () => {
    const onConfirm = vi.fn();
    const onClose = vi.fn();
    render(
      <ConfirmDialog {...props} pending={false} onConfirm={onConfirm} onClose={onClose}>
        Its checks and history go with it.
      </ConfirmDialog>,
    );
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(onConfirm).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });

  it('says the action runs, and shows why it failed as an alert', () => {
    render(
      <ConfirmDialog
        {...props}
        pending
        onConfirm={() => undefined}
        onClose={() => undefined}
        error={{ message: 'The server is in use.', hint: 'Remove its schedules first.' }}
        errorTestId="confirm-error"
      >
        Its checks and history go with it.
      </ConfirmDialog>,
    );
    expect(screen.getByRole('button', { name: 'Deleting…' })).toBeTruthy();
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toBe('The server is in use.Remove its schedules first.');
  });
});
