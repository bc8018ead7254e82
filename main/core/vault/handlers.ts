import { actor, who } from '../api/caller';
import type { CallContext, Handlers } from '../api/router';
import type { SignInService } from '../auth/signin';
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
  const { vault, secrets, signIn, backup, clipboard, guesses } = deps;
  /** Calls that check a vault passphrase or key file: throttled per origin and per caller. */
  const guessing = <T>(ctx: CallContext, guess: () => Promise<T>) => guesses.attempt({ origin: ctx.origin, actor: actor(ctx) }, guess);
  return {
    'vault.status': () => vault.status(),
    'vault.init': ({ slot }) => vault.init(slot),
    'vault.unlock': (input, ctx) => guessing(ctx, () => vault.unlock(input.with)),
    'vault.lock': () => vault.lock(),
    'vault.addSlot': ({ slot }) => vault.addSlot(slot),
    'vault.removeSlot': ({ id }) => vault.removeSlot(id),
    'vault.changePassphrase': ({ id, current, next }, ctx) => guessing(ctx, () => vault.changePassphrase(id, current, next)),
    'vault.rotate': ({ scope, passphrases = [], dropSlots = [] }, ctx) =>
      scope === 'full'
        ? guessing(ctx, () =>
            vault.rotateFully({ passphrases: new Map(passphrases.map((given) => [given.slotId, given.passphrase])), dropSlots: new Set(dropSlots) }, actor(ctx)),
          )
        : vault.rotate(actor(ctx)),
    // An export is every secret in the clear to whoever knows its passphrase: reveal's rules.
    'vault.export': ({ passphrase }, ctx) => {
      signIn.assertRecentlyReauthenticated(who(ctx));
      return exportVault(backup, passphrase);
    },
    'vault.import': ({ passphrase, content }, ctx) => importVault(backup, passphrase, content, actor(ctx)),
    'secrets.list': (filter) => ({ items: secrets.list(filter) }),
    'secrets.create': (input, ctx) => secrets.create(input, actor(ctx)),
    'secrets.update': ({ id, ...fields }, ctx) => secrets.update(id, fields, actor(ctx), who(ctx)),
    'secrets.delete': ({ id }) => secrets.delete(id),
    'secrets.reveal': ({ id }, ctx) => {
      signIn.assertRecentlyReauthenticated(who(ctx));
      return { id, value: secrets.reveal(id) };
    },
    'secrets.copy': ({ id }, ctx) => {
      signIn.assertRecentlyReauthenticated(who(ctx));
      return { id, ...clipboard.copy(secrets.reveal(id)) };
    },
    'secrets.inspectKey': ({ privateKey, passphrase }) => inspectSshKey(privateKey, passphrase),
    'auth.reauth': ({ password, code }, ctx) => signIn.reauth(who(ctx), password, code),
  };
}
