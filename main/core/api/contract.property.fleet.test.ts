import { fuzzContract } from '../testing/contract-fuzz';

// The router under fuzzed input, for servers, checks, health, incidents, maintenance, monitoring settings and alerts: see main/core/testing/contract-fuzz.ts.
fuzzContract('fleet');
