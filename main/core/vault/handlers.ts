import { actor, who } from '../api/caller';
import { fromFirstWrite, type CallContext, type Handlers } from '../api/router';
import type { Events, PayloadOf } from '@shared/api';
import type { SignInService } from '../auth';
import type { EventBus } from '../events/bus';
import type { SecretClipboard } from './clipboard';
import { exportVault, importVault, type BackupDeps } from './backup';
import type { VaultGuesses } from './guesses';
import { inspectSshKey, type SecretStore } from './secrets';
import type { VaultService } from './service';

export interface VaultHandlerDeps {
  vault: VaultService;
  secrets: SecretStore;
  signIn: SignInService;
  backup: BackupDeps;
  clipboard: SecretClipboard;
  guesses: VaultGuesses;
  /** Where vault and secret changes are announced (ids only, never a value). */
  events: EventBus;
}

type VaultMethods =
  | 'vault.status'
  | 'vault.init'
  | 'vault.unlock'
  | 'vault.lock'
  | 'vault.addSlot'
  | 'vault.removeSlot'
  | 'vault.changePassphrase'
  | 'vault.rotate'
  | 'vault.export'
  | 'vault.import'
  | 'secrets.list'
  | 'secrets.create'
  | 'secrets.update'
  | 'secrets.delete'
  | 'secrets.reveal'
  | 'secrets.inspectKey'
  | 'secrets.copy'
  | 'auth.reauth';

export function createVaultHandlers(deps: VaultHandlerDeps): Pick<Handlers, VaultMethods> {
  const { vault, secrets, signIn, backup, clipboard, guesses, events } = deps;
  type VaultChange = PayloadOf<Events['vault.changed']>['change'];
  /** Announces a change of the vault's state, then answers `value` (docs/architecture.md §3). */
  const vaultChanged = <T>(change: VaultChange, value: T, ids: string[] = []): T => {
    events.emit('vault.changed', { change, ids });
    return value;
  };
  const secretChanged = <T extends { id: string }>(change: 'created' | 'updated' | 'deleted', secret: T): T => {
    events.emit('secrets.changed', { change, ids: [secret.id] });
    return secret;
  };
  /** Calls that check a vault passphrase or key file: throttled per origin and per caller. */
  const guessing = <T>(ctx: CallContext, guess: () => Promise<T>) => guesses.attempt({ origin: ctx.origin, actor: actor(ctx) }, guess);
  return {
    'vault.status': () => vault.status(),
    'vault.init': async ({ slot }) => vaultChanged('initialized', await vault.init(slot)),
    // The passphrase's key derivation (scrypt) holds no other writer up.
    'vault.unlock': fromFirstWrite(async (input, ctx) => vaultChanged('unlocked', await guessing(ctx, () => vault.unlock(input.with)))),
    'vault.lock': async () => {
      vault.lock();
      return vaultChanged('locked', await vault.status());
    },
    'vault.addSlot': async ({ slot }) => vaultChanged('slotAdded', await vault.addSlot(slot)),
    'vault.removeSlot': async ({ id }) => vaultChanged('slotRemoved', await vault.removeSlot(id), [id]),
    'vault.changePassphrase': async ({ id, current, next }, ctx) =>
      vaultChanged('passphraseChanged', await guessing(ctx, () => vault.changePassphrase(id, current, next)), [id]),
    // A rotation is a job: its start is announced here, its progress as job.progress. Its next
    // data key is recorded inside the router's transaction, with its audit event.
    'vault.rotate': ({ scope, passphrases = [], dropSlots = [] }, ctx) =>
      scope === 'full'
        ? guessing(ctx, () =>
            vault.rotateFully(
              { passphrases: new Map(passphrases.map((given) => [given.slotId, given.passphrase])), dropSlots: new Set(dropSlots) },
              actor(ctx),
            ),
          ).then((job) => vaultChanged('rotated', job))
        : vault.rotate(actor(ctx)).then((job) => vaultChanged('rotated', job)),
    // An export is every secret in the clear to whoever knows its passphrase: reveal's rules.
    'vault.export': async ({ passphrase }, ctx) => {
      await signIn.assertRecentlyReauthenticated(who(ctx));
      return exportVault(backup, passphrase);
    },
    'vault.import': async ({ passphrase, content }, ctx) => {
      const imported = await importVault(backup, passphrase, content, actor(ctx));
      events.emit('secrets.changed', { change: 'imported', ids: [] });
      return imported;
    },
    'secrets.list': async (filter) => ({ items: await secrets.list(filter) }),
    'secrets.create': async (input, ctx) => secretChanged('created', await secrets.create(input, actor(ctx))),
    'secrets.update': async ({ id, ...fields }, ctx) => secretChanged('updated', await secrets.update(id, fields, actor(ctx), who(ctx))),
    'secrets.delete': async ({ id }) => secretChanged('deleted', await secrets.delete(id)),
    'secrets.reveal': async ({ id }, ctx) => {
      await signIn.assertRecentlyReauthenticated(who(ctx));
      return { id, value: await secrets.reveal(id) };
    },
    'secrets.copy': async ({ id }, ctx) => {
      await signIn.assertRecentlyReauthenticated(who(ctx));
      return { id, ...clipboard.copy(await secrets.reveal(id)) };
    },
    'secrets.inspectKey': ({ privateKey, passphrase }) => inspectSshKey(privateKey, passphrase),
    'auth.reauth': ({ password, code }, ctx) => signIn.reauth(who(ctx), password, code),
  };
}
