import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHECK_STATES } from './checks';
import { FleetOverview, gridOf, healthOverview, rowsOf, type FleetServer } from './health';

const server = fc.record({
  id: fc.uuid(),
  name: fc.string({ minLength: 1, maxLength: 40 }),
  host: fc.domain(),
  environment: fc.constantFrom('', 'production', 'staging'),
  tags: fc.uniqueArray(fc.constantFrom('db', 'web', 'eu-west', 'cache'), { maxLength: 4 }),
  status: fc.constantFrom(...CHECK_STATES),
  since: fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }), { nil: null }),
  checks: fc.nat(50),
}) satisfies fc.Arbitrary<FleetServer>;

describe('the fleet overview in columns', () => {
  it('gives back exactly the servers it was made from, in order', () => {
    fc.assert(
      fc.property(fc.array(server, { maxLength: 60 }), (servers) => {
        expect(rowsOf(gridOf(servers))).toEqual(servers);
      }),
    );
  });

  it('is refused when its columns are not all as long as the ids', () => {
    const grid = gridOf([
      { id: 'a', name: 'a', host: 'a.example', environment: '', tags: [], status: 'up', since: 1, checks: 1 },
      { id: 'b', name: 'b', host: 'b.example', environment: '', tags: [], status: 'down', since: 2, checks: 1 },
    ]);
    expect(rowsOf({ ...grid, status: ['up'] })).toBeNull();
    expect(rowsOf({ ...grid, since: [1, 2, 3] })).toBeNull();
  });

  it('is asked for with form=columns, which a query string can carry, and rows stay the default', () => {
    expect(healthOverview.input.parse({})).toEqual({ form: 'rows' });
    expect(healthOverview.input.parse({ form: 'columns' })).toEqual({ form: 'columns' });
    expect(healthOverview.input.safeParse({ form: 'csv' }).success).toBe(false);
    // A grid whose statuses are not the contract's is not a FleetOverview the client accepts.
    const grid = { ...gridOf([]), status: ['sideways'] };
    expect(FleetOverview.shape.grid.safeParse(grid).success).toBe(false);
  });
});
