// Under `npm run mutation` only (vitest.config.ts adds it when Stryker sets GUARDIAN_TEST_ISOLATE):
// makes the mutant under test active before a test file imports the code it mutates.
//
// Stryker 9.6.1 asks its Vitest runner to switch a mutant on in a `beforeAll` hook whenever
// `testFiles` narrows the tests (stryker-js#6144, #6209), which is after the test file's imports
// have run the module's top level. A mutant there (a role's permissions in shared/permissions.ts,
// a constant) was then never in effect and survived tests that fail on it by hand: the 17 %
// "score" of permissions.ts. Switched on here, before the imports, every mutant is in effect for
// the whole file, exactly as if the source had been edited; test files import the code afresh
// under Stryker (vitest.config.ts), so nothing carries over to the next mutant.
import { inject } from 'vitest';

if (inject('mode') === 'mutant') {
  const name = inject('globalNamespace');
  const namespace = (globalThis[name] ??= {});
  namespace.activeMutant = inject('activeMutant');
}
