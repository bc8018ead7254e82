import { keepPreviousData } from '@tanstack/react-query';
import { useMethodQuery } from '../api/hooks';
import { useDebouncedValue } from '../ui/use-debounced-value';

export const PASSWORD_CHECK_DEBOUNCE_MS = 250;

export type PasswordCheck = { acceptable: boolean; rules: { rule: string; ok: boolean; message: string }[] };

/**
 * Whether the policy refuses the password as it is now. A verdict on what was typed before (shown
 * while the next one is asked) refuses nothing: a form sent before the answer arrives is judged by
 * the server, which applies the same policy and names the field.
 */
export function refusedByPolicy({ check, current }: { check: PasswordCheck | undefined; current: boolean }): boolean {
  return current && check !== undefined && !check.acceptable;
}

/**
 * The policy's verdict on a candidate password, asked of the core (which alone knows the
 * common-password list) once typing pauses. Undefined until the first answer; `current` once it
 * is the verdict on what is typed now. Answers are dropped from the cache as soon as nothing
 * shows them.
 */
export function usePasswordCheck(username: string, password: string): { check: PasswordCheck | undefined; current: boolean } {
  const input = {
    username: useDebouncedValue(username, PASSWORD_CHECK_DEBOUNCE_MS),
    password: useDebouncedValue(password, PASSWORD_CHECK_DEBOUNCE_MS),
  };
  const query = useMethodQuery('auth.checkPassword', input, {
    enabled: input.password !== '',
    placeholderData: keepPreviousData,
    gcTime: 0,
    staleTime: Infinity,
    retry: false,
  });
  const settled = input.password === password && input.username === username && !query.isPlaceholderData;
  return { check: password === '' ? undefined : query.data, current: settled && query.isSuccess };
}
