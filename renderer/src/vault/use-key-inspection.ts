import { useEffect, useState } from 'react';
import type { AppError, Methods, OutputOf } from '@shared/api';
import { useDirectCall } from '../api/use-direct-call';
import { useDebouncedValue } from '../ui/use-debounced-value';
import { secretErrors, type SecretErrors } from './secret-form';

export const INSPECT_DEBOUNCE_MS = 400;

export type InspectedKey = OutputOf<Methods['secrets.inspectKey']>;

export type KeyInspection =
  | { state: 'empty' }
  | { state: 'checking' }
  | { state: 'ok'; key: InspectedKey }
  /** `fields`: where the contract placed the problem (the key itself, or its passphrase). */
  | { state: 'bad'; error: AppError; fields: SecretErrors };

/**
 * What the server reads from a pasted private key, once typing has paused: its type and
 * fingerprint, or why it cannot be read. Nothing is stored, and nothing is cached here either.
 */
export function useKeyInspection(privateKey: string, passphrase: string): KeyInspection {
  const settledKey = useDebouncedValue(privateKey, INSPECT_DEBOUNCE_MS);
  const settledPassphrase = useDebouncedValue(passphrase, INSPECT_DEBOUNCE_MS);
  const [result, setResult] = useState<KeyInspection>({ state: 'empty' });
  const { run } = useDirectCall('secrets.inspectKey');

  useEffect(() => {
    if (settledKey.trim() === '') {
      setResult({ state: 'empty' });
      return undefined;
    }
    let current = true;
    setResult({ state: 'checking' });
    void run({ privateKey: settledKey, ...(settledPassphrase !== '' ? { passphrase: settledPassphrase } : {}) }).then((answer) => {
      if (!current) return;
      if (answer.ok) setResult({ state: 'ok', key: answer.value });
      else setResult({ state: 'bad', error: answer.error, fields: secretErrors(answer.error.issues ?? []).fields });
    });
    return () => {
      current = false;
    };
  }, [settledKey, settledPassphrase, run]);

  if (privateKey.trim() === '') return { state: 'empty' };
  // Typing has not paused yet: whatever was found is about an older text.
  if (privateKey !== settledKey || passphrase !== settledPassphrase) return { state: 'checking' };
  return result;
}
