// What other domains may use of accounts (docs/architecture.md §2): the stores of users and keys, what a key
// may do, the sign-in service the vault re-authenticates with and the throttle its unlock shares.
export type { AccountStore } from './accounts';
export type { ApiKeyStore } from './apikeys';
export { keyRights } from './key-rights';
export type { SignInService } from './signin';
export type { LoginThrottle } from './throttle';
export type { UserRow } from './table';
