import { keepPreviousData } from '@tanstack/react-query';
import { useMethodQuery } from '../api/hooks';
import { useDebouncedValue } from '../ui/use-debounced-value';

export const PASSWORD_CHECK_DEBOUNCE_MS = 250;

export type PasswordCheck = { acceptable: boolean; rules: { rule: string; ok: boolean; message: string }[] };

/**
 * The policy's verdict on a candidate password, asked of the core (which alone knows the
 * common-password list) once typing pauses. Undefined until the first answer. Answers are
 * dropped from the cache as soon as nothing shows them.
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
