import { AppError } from '@shared/api/errors';
import type { CheckSpec } from '@shared/api/checks';
import type { Principal } from '@shared/permissions';
import type { SecretStore } from '../vault';
import { isMetadataHost, metadataRefusal } from './egress';
import { checkTarget } from './target';

/**
 * What a check may be saved or tested with, decided before it runs: the vault's rule for each
 * credential it would send (linked to the check's server, sent to that server's host), and no
 * cloud metadata address unless the monitoring settings allow them. The run applies the same
 * rules again at connect time; this only refuses early, in the form's words.
 */

interface CredentialTarget {
  secretId: string;
  /** Where the secret would be sent. */
  host: string;
  /** The config field naming the secret, for the form. */
  field: string;
}

/** The credentials a spec sends, each with the host it goes to, for a check on a server with `serverHost`. */
export function credentialTargets(spec: CheckSpec, serverHost: string | undefined): CredentialTarget[] {
  switch (spec.type) {
    case 'ssh-metrics':
      return [{ secretId: spec.config.credentialId, host: spec.config.host ?? serverHost ?? '', field: 'credentialId' }];
    case 'http':
      return spec.config.auth
        ? [{ secretId: spec.config.auth.credentialId, host: new URL(spec.config.url).hostname.replace(/^\[|\]$/g, ''), field: 'auth' }]
        : [];
    case 'tcp':
    case 'tls':
    case 'dns':
    case 'game':
    case 'ssh':
      return [];
  }
}

/** The config field a spec's host is given in, for an issue under the right input. */
const HOST_FIELD: Record<CheckSpec['type'], string> = {
  tcp: 'host',
  tls: 'host',
  dns: 'server',
  game: 'host',
  ssh: 'host',
  'ssh-metrics': 'host',
  http: 'url',
};

export interface SpecRules {
  secrets: Pick<SecretStore, 'authorizeUse'>;
  allowMetadata: boolean;
}

/**
 * Refuses a spec for a check on `server` (none for a test without one): a metadata target with
 * VALIDATION_FAILED, a credential the vault would not send there with PERMISSION_DENIED.
 * `principal` is given only for a one-off test its caller is present for: a saved check runs
 * later with no one's rights, so it must follow the vault's links.
 */
export async function assertSpecAllowed(rules: SpecRules, spec: CheckSpec, server: { id: string; host: string } | null, principal?: Principal): Promise<void> {
  const { host } = checkTarget(spec, server?.host);
  if (!rules.allowMetadata && host !== '' && isMetadataHost(host)) {
    throw new AppError('VALIDATION_FAILED', `${metadataRefusal(host)}.`, {
      hint: 'Checks do not reach cloud metadata services unless an admin allows it in the monitoring settings.',
      issues: [{ path: ['spec', 'config', HOST_FIELD[spec.type]], message: 'A cloud metadata address' }],
    });
  }
  for (const target of credentialTargets(spec, server?.host)) {
    await rules.secrets.authorizeUse(target.secretId, { serverId: server?.id ?? null, host: target.host, principal });
  }
}
