import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Field } from './Field';

afterEach(cleanup);

function NameField({ error }: { error?: string }) {
  return (
    <Field label="Server name" help="Shown in lists and alerts" error={error} testId="name">
      {(control) => <input {...control} />}
    </Field>
  );
}

/** The text a screen reader reads as the control's description. */
const description = (element: HTMLElement) =>
  (element.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ');

describe('Field', () => {
  it('labels its control and describes it with the help text while there is no error', () => {
    render(<NameField />);
    const input = screen.getByLabelText('Server name');
    expect(input.getAttribute('aria-invalid')).toBe('false');
    expect(description(input)).toBe('Shown in lists and alerts');
    expect(screen.queryByTestId('name-error')).toBeNull();
  });

  it('marks the control invalid and has the error read as its description, in place of the help', () => {
    render(<NameField error="A server with this name already exists." />);
    const input = screen.getByLabelText('Server name');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(description(input)).toBe('A server with this name already exists.');
    expect(screen.getByTestId('name-error').textContent).toBe('A server with this name already exists.');
    expect(screen.queryByText('Shown in lists and alerts')).toBeNull();
  });
});
