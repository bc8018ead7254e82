// What other domains may use of the vault (docs/architecture.md §2, §5): the secret store, whose use() is the
// only way a credential leaves the vault.
export type { SecretStore, SecretUse, UsedSecret } from './secrets';
