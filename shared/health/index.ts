import { dnsConfig } from './dns';
import { gameConfig } from './game';
import { httpConfig } from './http';
import { sshConfig } from './ssh';
import { sshMetricsConfig } from './ssh-metrics';
import { tcpConfig } from './tcp';
import { tlsConfig } from './tls';

/**
 * Every check type's config schema, by type name: the contract validates a check with it, the UI
 * builds its form from it, and the type's module in main/core/health/checks runs it.
 */
export const CHECK_CONFIGS = {
  tcp: tcpConfig,
  http: httpConfig,
  tls: tlsConfig,
  dns: dnsConfig,
  game: gameConfig,
  ssh: sshConfig,
  'ssh-metrics': sshMetricsConfig,
} as const;

export type CheckType = keyof typeof CHECK_CONFIGS;
export const CHECK_TYPES = Object.keys(CHECK_CONFIGS) as CheckType[];
