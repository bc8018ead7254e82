import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecoveryCodes, recoveryCodesText } from './RecoveryCodes';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const CODES = ['ab12-cd34-ef56', 'gh78-ij90-kl12'];

describe('Recovery codes', () => {
  it('go on only once the person says they saved them', () => {
    const onContinue = vi.fn();
    render(<RecoveryCodes codes={CODES} onContinue={onContinue} />);
    const next = screen.getByRole('button', { name: 'Continue' }) as HTMLButtonElement;
    expect(next.disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: 'I have saved these codes somewhere safe' }));
    expect(next.disabled).toBe(false);
    fireEvent.click(next);
    expect(onContinue).toHaveBeenCalledTimes(1);
  });

  it('download as a text file holding every code, one a line, with what they are', async () => {
    const blobs: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      blobs.push(blob as Blob);
      return 'blob:codes';
    });
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    render(<RecoveryCodes codes={CODES} onContinue={() => undefined} />);
    fireEvent.click(screen.getByRole('button', { name: 'Download' }));
    expect(clicked).toEqual(['guardian-recovery-codes.txt']);
    const text = await blobs[0]?.text();
    expect(text).toBe(recoveryCodesText(CODES));
    expect(text?.split('\n')).toEqual(expect.arrayContaining(CODES));
  });

  it('print: the browser prints the codes', () => {
    const print = vi.fn();
    vi.stubGlobal('print', print);
    render(<RecoveryCodes codes={CODES} onContinue={() => undefined} />);
    fireEvent.click(screen.getByRole('button', { name: 'Print' }));
    expect(print).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('recovery-codes').closest('.print-only-root')).toBeTruthy();
  });
});
