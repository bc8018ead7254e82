import type { MethodName, Methods, OutputOf } from '@shared/api';
import { LOCAL_OWNER } from '@shared/permissions';
import { createCore } from '@core/app';
import { silentLogger } from '@core/logging/logger';

/** A contract method called as the data dir's owner, from the CLI's origin. */
export type OwnerCall = <N extends MethodName>(method: N, input: unknown) => Promise<OutputOf<Methods[N]>>;

/**
 * Calls contract methods on a data dir from this process, as its owner from the CLI's origin, the
 * way a `guardian` command calls them: for what a CLI test sets up or reads back without proving
 * anything of the command that would do it (each command is a Node start, about a second of CPU).
 * The commands under test still run as children. Only tests import this module.
 */
export async function onDataDir<T>(dataDir: string, work: (call: OwnerCall) => Promise<T>): Promise<T> {
  const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless' });
  try {
    return await work((method, input) => core.router.invoke(LOCAL_OWNER, method, input, { origin: 'cli' }));
  } finally {
    await core.close();
  }
}
