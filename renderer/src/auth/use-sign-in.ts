import { useState } from 'react';
import type { AppError } from '@shared/api';
import type { Me } from '@shared/api/auth';
import { useMethodMutation } from '../api/hooks';

export interface SignInValues {
  username: string;
  password: string;
  code: string;
}

/**
 * auth.login with its second step: MFA_REQUIRED reveals the one-time code field (and is not
 * shown as a failure); anything else is shown with its message and hint.
 */
export function useSignIn(onSignedIn: (me: Me) => void, codeKnownNeeded = false) {
  const login = useMethodMutation('auth.login');
  const [needsCode, setNeedsCode] = useState(codeKnownNeeded);
  const [error, setError] = useState<AppError | null>(null);
  const [notice, setNotice] = useState<AppError | null>(null);

  const submit = (values: SignInValues) => {
    if (login.isPending) return;
    setError(null);
    const code = values.code.trim();
    login.mutate(
      { username: values.username, password: values.password, ...(needsCode && code !== '' ? { code } : {}) },
      {
        onSuccess: (me) => {
          setNotice(null);
          onSignedIn(me);
        },
        onError: (failure) => {
          if (failure.code === 'MFA_REQUIRED') {
            setNeedsCode(true);
            setNotice(failure);
          } else {
            setError(failure);
          }
        },
      },
    );
  };

  return { submit, needsCode, error, notice, pending: login.isPending };
}
