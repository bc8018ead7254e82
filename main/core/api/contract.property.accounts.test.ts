import { fuzzContract } from '../testing/contract-fuzz';

// The router under fuzzed input, for accounts, sign-in, sessions, API keys, security settings, onboarding, updates and system: see main/core/testing/contract-fuzz.ts.
fuzzContract('accounts');
