import { fuzzContract } from '../testing/contract-fuzz';

// The router under fuzzed input, for the vault and its secrets: see main/core/testing/contract-fuzz.ts.
fuzzContract('vault');
