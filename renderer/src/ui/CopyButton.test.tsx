import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CopyButton } from './CopyButton';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const clipboardThat = (writeText: (text: string) => Promise<void>) => vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });

describe('CopyButton', () => {
  it('puts the value on the clipboard and says so', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    clipboardThat(writeText);
    render(<CopyButton value="gdn_abc123" label="Copy key" />);
    fireEvent.click(screen.getByRole('button', { name: 'Copy key' }));

    expect(await screen.findByText('Copied')).toBeTruthy();
    expect(writeText).toHaveBeenCalledExactlyOnceWith('gdn_abc123');
    expect(screen.getByRole('status').textContent).toBe('Copied');
  });

  it('says what to do when the clipboard is refused', async () => {
    clipboardThat(() => Promise.reject(new DOMException('denied', 'NotAllowedError')));
    render(<CopyButton value="gdn_abc123" />);
    fireEvent.click(screen.getByRole('button', { name: 'Copy' }));

    expect(await screen.findByText('Copying was refused: select the text and copy it.')).toBeTruthy();
  });
});
