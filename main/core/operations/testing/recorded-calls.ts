import type { AppErrorShape } from '@shared/api/errors';
import { LOCAL_OWNER, type Principal, type Role } from '@shared/permissions';
import type { Core } from '../../app';
import { success } from '../../testing/harness';
import { rowsOf } from '../../testing/rows';

/** A signed-in user of `role`, as the operations tests call as. */
export const as = (role: Role): Principal => ({ kind: 'user', id: `${role}-1`, name: `the ${role}`, role });

/**
 * Calls through a core's router that keep every answer in `answers`, for the canary tests to
 * search everything the app said: `call` wants success, `refusal` an error (and answers it).
 */
export function recordedCalls(core: () => Core, answers: string[]) {
  const answer = async (name: string, input: unknown, principal: Principal) => {
    const result = await core().router.call(principal, name, input, { origin: 'test' });
    answers.push(JSON.stringify(result));
    return result;
  };
  return {
    call: async <T>(name: string, input: unknown, principal: Principal = LOCAL_OWNER): Promise<T> => success<T>(await answer(name, input, principal)),
    refusal: async (name: string, input: unknown, principal: Principal = LOCAL_OWNER): Promise<AppErrorShape> => {
      const result = await answer(name, input, principal);
      if (result.ok) throw new Error(`${name} succeeded: ${JSON.stringify(result.value)}`);
      return result.error;
    },
  };
}

/** A run's audit events in order, with their details as stored: those it correlates, and the call that started it. */
export function runAudit(core: Core, runId: string) {
  return rowsOf(core).all<{ action: string; outcome: string; details: string }>(
    'SELECT action, outcome, details FROM audit_events WHERE correlation_id = ? OR target = ? ORDER BY seq',
    runId,
    `operation:${runId}`,
  );
}
