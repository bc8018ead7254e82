import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { methodList, methods, pathParams } from '@shared/api';
import { IMPORT_MAX_BYTES } from '@shared/api/servers';
import { LOCAL_OWNER, PERMISSIONS } from '@shared/permissions';
import { domainOf, FUZZ_SHARDS, shardsOf } from '../testing/contract-fuzz';
import { useTempCore } from '../testing/harness';

// The contract as a whole. Each method under fuzzed input: contract.property.<shard>.test.ts
// (main/core/testing/contract-fuzz.ts).

const env = useTempCore({ scope: 'all', prefix: 'guardian-contract-' });

/** The fields an input always has: an object's keys, or those every branch of a union has (alerts.updateChannel's). */
function fieldsOf(schema: z.ZodType): string[] {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodUnion) {
    const branches = (schema.options as z.ZodType[]).map(fieldsOf);
    return (branches[0] ?? []).filter((key) => branches.every((fields) => fields.includes(key)));
  }
  return [];
}

describe('the contract', () => {
  it('is fuzzed whole: each domain by exactly one contract.property.<shard>.test.ts', () => {
    for (const def of methodList) expect(shardsOf(domainOf(def)), def.name).toHaveLength(1);
    for (const shard of Object.keys(FUZZ_SHARDS)) {
      const file = fileURLToPath(new URL(`./contract.property.${shard}.test.ts`, import.meta.url));
      expect(readFileSync(file, 'utf8'), file).toContain(`fuzzContract('${shard}')`);
    }
  });

  it('names each method by its key in `methods`', () => {
    for (const [key, def] of Object.entries(methods)) expect(def.name).toBe(key);
  });

  it('gives every method a known permission and an HTTP route whose parameters are input fields', () => {
    const access = new Set<string>([...PERMISSIONS, 'public', 'authenticated']);
    for (const def of methodList) {
      expect(access.has(def.permission), `${def.name}: ${def.permission}`).toBe(true);
      expect(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).toContain(def.http.method);
      expect(def.http.path).toMatch(/^\/[a-z0-9/:._-]*$/i);
      for (const param of pathParams(def.http.path)) expect(fieldsOf(def.input), `${def.name} route :${param}`).toContain(param);
    }
  });

  it('never gives two methods the same verb and path', () => {
    const routes = methodList.map((def) => `${def.http.method} ${def.http.path.replace(/:[A-Za-z0-9]+/g, ':')}`);
    const repeated = routes.filter((route, index) => routes.indexOf(route) !== index);
    expect(repeated).toEqual([]);
  });

  it('refuses an import larger than the limit before reading it', async () => {
    const result = await env.core.router.call(LOCAL_OWNER, 'servers.import', { format: 'json', content: ' '.repeat(IMPORT_MAX_BYTES + 1) }, { origin: 'test' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.issues?.[0]).toEqual({ path: ['content'], message: 'The file is larger than 8 MiB' });
  });
});
