import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { PaletteButton } from './PaletteButton';

afterEach(cleanup);

describe('PaletteButton', () => {
  it('is named by the shortcut it shows, so saying "Ctrl+K" reaches it (WCAG 2.5.3)', () => {
    render(<PaletteButton />);
    const button = screen.getByRole('button', { name: 'Command palette Ctrl+K' });
    expect(button.querySelector('kbd')?.textContent).toBe('Ctrl+K');
  });
});
