import { useRef, useState } from 'react';
import type { AppError } from '@shared/api';
import { placeErrors, type FieldErrors } from './form-errors';

type Banner = Pick<AppError, 'message' | 'hint'>;

/**
 * A dialog form's errors, as the channel, rule and silence dialogs show them: each under its field,
 * the rest in a banner, the first invalid field focused.
 */
export function useFormErrors() {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [banner, setBanner] = useState<Banner | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  /** Forgets a field's error once it is edited, and one on what holds it ('match' for 'match.tags'). */
  const clear = (key: string) =>
    setErrors((current) => {
      const stale = Object.keys(current).filter((each) => each === key || key.startsWith(`${each}.`));
      if (stale.length === 0) return current;
      const next = { ...current };
      for (const each of stale) delete next[each];
      return next;
    });

  // The invalid fields render after the state change: the first takes focus once they have.
  const show = (next: FieldErrors, nextBanner: Banner | null) => {
    setErrors(next);
    setBanner(nextBanner);
    requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  };

  /** A refused save: its issues under the `known` fields, anything else in the banner. */
  const showRefusal = (error: AppError, known: readonly string[]) => {
    const placed = placeErrors(error, known);
    show(placed.fields, placed.banner);
  };

  return { errors, banner, formRef, clear, show, showRefusal, reset: () => setErrors({}) };
}
