import { useState } from 'react';
import type { OutputOf, Methods } from '@shared/api';
import { useMethodMutation } from '../api/hooks';

export type TotpMaterial = OutputOf<Methods['auth.totpBegin']>;

export type EnrolmentStage = { stage: 'start' } | { stage: 'scan'; material: TotpMaterial } | { stage: 'codes'; recoveryCodes: string[] };

/**
 * Turning on two-factor: begin (a new secret, as a QR code and as text), confirm with a code
 * from the app, then the recovery codes, shown once.
 */
export function useTotpEnrolment() {
  const [state, setState] = useState<EnrolmentStage>({ stage: 'start' });
  const begin = useMethodMutation('auth.totpBegin');
  const confirm = useMethodMutation('auth.totpConfirm');

  return {
    state,
    begin: () => {
      confirm.reset();
      begin.mutate({}, { onSuccess: (material) => setState({ stage: 'scan', material }) });
    },
    confirm: (code: string) => confirm.mutate({ code: code.trim() }, { onSuccess: ({ recoveryCodes }) => setState({ stage: 'codes', recoveryCodes }) }),
    cancel: () => {
      begin.reset();
      confirm.reset();
      setState({ stage: 'start' });
    },
    beginning: begin.isPending,
    confirming: confirm.isPending,
    error: begin.error ?? confirm.error,
  };
}
