/** Generated inventories for imports in tests and benchmarks. */

export const FLEET_ENVIRONMENTS = ['production', 'staging', 'dev'] as const;
export const FLEET_TAGS = ['web', 'db', 'cache', 'eu', 'us', 'edge'] as const;

/**
 * A CSV of `count` servers with unique names (`<prefix>-00042`), spread over three environments
 * and two tags each, in the import format.
 */
export function fleetCsv(count: number, prefix = 'srv'): string {
  const lines = ['name,host,port,user,environment,tags,notes'];
  for (let i = 0; i < count; i++) {
    const id = String(i).padStart(5, '0');
    const environment = FLEET_ENVIRONMENTS[i % FLEET_ENVIRONMENTS.length] ?? 'production';
    const tags = `${FLEET_TAGS[i % FLEET_TAGS.length]};${FLEET_TAGS[(i * 7 + 1) % FLEET_TAGS.length]}`;
    lines.push(`${prefix}-${id},${prefix}-${id}.example.net,${22 + (i % 3)},deploy,${environment},${tags},rack ${i % 40}`);
  }
  return `${lines.join('\n')}\n`;
}
