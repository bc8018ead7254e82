import type { CheckType as ContractCheckType } from '@shared/health';
import type { CheckType } from '../check';
import { dnsCheck } from './dns';
import { gameCheck } from './game';
import { httpCheck } from './http';
import { sshCheck } from './ssh';
import { sshMetricsCheck } from './ssh-metrics';
import { tcpCheck } from './tcp';
import { tlsCheck } from './tls';

/**
 * Every check type, by its `type`. Adding a type:
 * 1. its config schema in shared/health/<type>.ts and one line in CHECK_CONFIGS
 *    (shared/health/index.ts), which makes it part of the contract;
 * 2. its module in this folder and one line here (a type of the contract missing here does not
 *    compile);
 * 3. then the compiler names each table that needs a row for it, all typed by the type name: the
 *    form's labels, help and fields (renderer/src/health/editor/check-fields.ts), the summary in
 *    the checks table (renderer/src/health/server/ChecksTable.tsx), the CLI's flags
 *    (main/headless/cli-health.ts), the host field and the credentials it sends
 *    (main/core/health/credentials.ts) and the words of its default name (../target.ts).
 */
export const checkTypes = {
  tcp: tcpCheck,
  http: httpCheck,
  tls: tlsCheck,
  dns: dnsCheck,
  game: gameCheck,
  ssh: sshCheck,
  'ssh-metrics': sshMetricsCheck,
} as const satisfies Record<ContractCheckType, CheckType<unknown>>;

export type CheckTypeName = keyof typeof checkTypes;

/** The config each check type takes, by type name. */
export type CheckConfigOf<T extends CheckTypeName> = (typeof checkTypes)[T] extends CheckType<infer C> ? C : never;
