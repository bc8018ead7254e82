import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { busyProps } from './busy';

describe('busyProps', () => {
  it('keeps a busy button focused, and ignores its presses and the form submit', () => {
    const onClick = vi.fn();
    const onSubmit = vi.fn((event: { preventDefault(): void }) => event.preventDefault());
    const { rerender } = render(
      <form onSubmit={onSubmit}>
        <button type="submit" {...busyProps(false)} onClick={onClick}>
          Confirm
        </button>
      </form>,
    );
    const button = screen.getByRole('button', { name: 'Confirm' });
    button.focus();
    fireEvent.click(button);
    expect(onClick).toHaveBeenCalledTimes(1);
    expect(onSubmit).toHaveBeenCalledTimes(1);

    rerender(
      <form onSubmit={onSubmit}>
        <button type="submit" {...busyProps(true)} onClick={onClick}>
          Checking…
        </button>
      </form>,
    );
    expect(document.activeElement).toBe(button);
    expect(button.getAttribute('aria-disabled')).toBe('true');
    fireEvent.click(button);
    expect(onClick).toHaveBeenCalledTimes(1);
    expect(onSubmit).toHaveBeenCalledTimes(1);
  });
});
