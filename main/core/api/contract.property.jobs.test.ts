import { fuzzContract } from '../testing/contract-fuzz';

// The router under fuzzed input, for jobs, reports, schedules and the audit log: see main/core/testing/contract-fuzz.ts.
fuzzContract('jobs');
