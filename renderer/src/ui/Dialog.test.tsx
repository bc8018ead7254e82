import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { useEffect, useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
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
});
