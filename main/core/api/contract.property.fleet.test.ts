import { fuzzContract } from '../testing/contract-fuzz';

// The router under fuzzed input, for servers, checks, health, incidents, maintenance and monitoring settings: see main/core/testing/contract-fuzz.ts.
fuzzContract('fleet');
