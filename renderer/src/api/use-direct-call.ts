import { useCallback, useEffect, useRef, useState } from 'react';
import type { AppError, InputOf, MethodName, Methods, OutputOf } from '@shared/api';
import { asAppError } from './app-errors';
import { useClient } from './client-context';

export type CallResult<T> = { ok: true; value: T } | { ok: false; error: AppError };

/**
 * A call whose input or answer must not outlive the component that made it: secret values,
 * private keys, passwords. Unlike the query and mutation hooks nothing is cached (TanStack keeps
 * a finished mutation's variables and data for minutes) and nothing else is refetched.
 */
export function useDirectCall<N extends MethodName>(name: N) {
  const client = useClient();
  const mounted = useRef(true);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const run = useCallback(
    async (input: InputOf<Methods[N]>): Promise<CallResult<OutputOf<Methods[N]>>> => {
      setPending(true);
      setError(null);
      try {
        return { ok: true, value: await client.call(name, input) };
      } catch (caught) {
        const failure = asAppError(caught);
        if (mounted.current) setError(failure);
        return { ok: false, error: failure };
      } finally {
        if (mounted.current) setPending(false);
      }
    },
    [client, name],
  );

  const reset = useCallback(() => setError(null), []);
  return { run, pending, error, reset };
}
