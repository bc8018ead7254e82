import type { CheckType } from '../check';
import { dnsCheck } from './dns';
import { gameCheck } from './game';
import { httpCheck } from './http';
import { sshCheck } from './ssh';
import { sshMetricsCheck } from './ssh-metrics';
import { tcpCheck } from './tcp';
import { tlsCheck } from './tls';

/** Every check type, by its `type`. Adding a type is adding its file and one line here. */
export const checkTypes = {
  tcp: tcpCheck,
  http: httpCheck,
  tls: tlsCheck,
  dns: dnsCheck,
  game: gameCheck,
  ssh: sshCheck,
  'ssh-metrics': sshMetricsCheck,
} as const satisfies Record<string, CheckType<unknown>>;

export type CheckTypeName = keyof typeof checkTypes;

/** The config each check type takes, by type name. */
export type CheckConfigOf<T extends CheckTypeName> = (typeof checkTypes)[T] extends CheckType<infer C> ? C : never;
