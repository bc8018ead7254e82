import { fuzzContract } from '../testing/contract-fuzz';

// The router under fuzzed input, for jobs, reports, schedules, the audit log, operations, runbooks and the terminal: see main/core/testing/contract-fuzz.ts.
fuzzContract('jobs');
