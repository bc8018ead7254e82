import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { HTTP_STATUS, methodList, pathParams, type MethodDef } from '@shared/api';
import { API_PREFIX, PATH_PARAM_MAX_LENGTH } from '@shared/api/http';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import { packageRoot } from '@core/paths';
import { useTempCore } from '@core/testing/harness';
import { buildOpenApi } from './openapi';
import { errorCodesOf } from './openapi-errors';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; items?: Schema };
interface Response {
  description: string;
  'x-guardian-error-codes'?: string[];
  content?: Record<string, { schema: Schema }>;
}
interface Operation {
  operationId: string;
  security?: Record<string, string[]>[];
  parameters: { name: string; in: string; schema: Schema }[];
  requestBody?: { content: { 'application/json': { schema: Schema } } };
  responses: Record<string, Response>;
}
interface Document {
  info: { license?: { identifier?: string } };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, Record<string, unknown>>; schemas: Record<string, Schema> };
}

const doc = buildOpenApi('1.2.3') as unknown as Document;
const operationOf = (def: Pick<MethodDef, 'http'>): Operation => {
  const operation = doc.paths[API_PREFIX + def.http.path.replace(/:(\w+)/g, '{$1}')]?.[def.http.method.toLowerCase()];
  if (!operation) throw new Error(`no operation for ${def.http.method} ${def.http.path}`);
  return operation;
};
const operations = Object.values(doc.paths).flatMap((verbs) => Object.values(verbs));
const statusesOf = (operation: Operation) => Object.keys(operation.responses).filter((status) => status !== '200');
const hasBody = (def: MethodDef) => ['POST', 'PUT', 'PATCH'].includes(def.http.method);

describe('the OpenAPI document', () => {
  it('passes Redocly’s recommended-strict rules with no problem at all', async () => {
    const config = await createConfig({
      extends: ['recommended-strict'],
      rules: {
        // The Event_<name> schemas are the `data:` of /api/v1/events messages. OpenAPI 3.1 cannot
        // attach a schema to each message of a text/event-stream (3.2's itemSchema can), so no
        // operation $refs them; they are components so that client generators still emit types.
        'no-unused-components': 'off',
      },
    });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    expect(problems.map((problem) => `${problem.severity} ${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer ?? '?'}`)).toEqual([]);
  });

  it('declares the API key and the session cookie + CSRF header, and which operations need them', () => {
    expect(doc.components.securitySchemes).toEqual({
      apiKey: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      session: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'guardian_session' }),
      csrf: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-csrf-token' }),
    });
    for (const def of methodList) {
      const { security } = operationOf(def);
      if (def.permission === 'public') {
        expect(security, def.name).toEqual([]);
      } else if (def.http.method === 'GET') {
        expect(security, def.name).toEqual([{ apiKey: [] }, { session: [] }]);
      } else {
        expect(security, def.name).toEqual([{ apiKey: [] }, { session: [], csrf: [] }]);
      }
    }
    expect(operations.find((operation) => operation.operationId === 'events')?.security).toEqual([{ apiKey: [] }, { session: [] }]);
  });

  it('lists each operation’s error responses from its shape, in the one error schema', () => {
    for (const def of methodList) {
      const operation = operationOf(def);
      const statuses = statusesOf(operation);
      expect(statuses, def.name).toEqual(expect.arrayContaining(['400', '500', '503']));
      const codes = (status: string) => operation.responses[status]?.['x-guardian-error-codes'] ?? [];
      if (def.permission !== 'public') {
        expect(codes('401'), def.name).toContain('UNAUTHENTICATED');
        expect(codes('403'), def.name).toEqual(expect.arrayContaining(['PERMISSION_DENIED', 'PASSWORD_CHANGE_REQUIRED']));
      } else {
        // Nobody needs to sign in to call it: only sign-in itself answers 401 (a wrong password).
        expect(codes('401'), def.name).not.toContain('UNAUTHENTICATED');
        expect(codes('403'), def.name).not.toContain('PASSWORD_CHANGE_REQUIRED');
        expect(statuses.includes('401'), def.name).toBe(def.name === 'auth.login');
      }
      expect(statuses.includes('413') && statuses.includes('415'), `${def.name}: 413/415`).toBe(hasBody(def));
      expect(statuses.includes('414'), `${def.name}: 414`).toBe(pathParams(def.http.path).length > 0);
      expect(statuses, def.name).not.toContain('default');
      for (const status of statuses) {
        expect(operation.responses[status]?.content?.['application/json']?.schema, `${def.name} ${status}`).toEqual({
          $ref: '#/components/schemas/ErrorResponse',
        });
      }
    }
    const { AppError } = doc.components.schemas;
    expect(AppError?.required).toEqual(['code', 'message', 'hint', 'retryable', 'correlationId']);
    expect(Object.keys(AppError?.properties ?? {})).toEqual(['code', 'message', 'hint', 'retryable', 'correlationId', 'issues']);
    const updatesCheck = operationOf(methodList.find((def) => def.name === 'updates.check') as MethodDef);
    expect(updatesCheck.responses['501']?.['x-guardian-error-codes']).toEqual(['NOT_SUPPORTED_HERE']);
    expect(statusesOf(operationOf(methodList.find((def) => def.name === 'secrets.list') as MethodDef))).toContain('423');
    expect(statusesOf(operationOf(methodList.find((def) => def.name === 'auth.login') as MethodDef))).toContain('429');
  });

  it('carries the bounds the contract enforces, in bodies, queries, paths and answers', () => {
    const create = operationOf(methodList.find((def) => def.name === 'servers.create') as MethodDef);
    const body = create.requestBody?.content['application/json'].schema.properties ?? {};
    expect(body.name).toMatchObject({ type: 'string', minLength: 1, maxLength: 100 });
    expect(body.port).toMatchObject({ type: 'integer', format: 'int32', minimum: 1, maximum: 65535 });
    expect(body.port?.description).toMatch(/^The SSH port/);
    expect(body.monitor?.description).toContain('TCP check');
    expect(body.tags).toMatchObject({ type: 'array', maxItems: 32, items: { maxLength: 32 } });
    expect(body.notes).toMatchObject({ maxLength: 4000 });

    const list = operationOf(methodList.find((def) => def.name === 'servers.list') as MethodDef);
    const query = Object.fromEntries(list.parameters.map((parameter) => [parameter.name, parameter.schema]));
    expect(query.limit).toMatchObject({ type: 'integer', format: 'int32', minimum: 1, maximum: 10_000 });
    expect(query.q).toMatchObject({ type: 'string', maxLength: 200 });
    expect(query.tags).toMatchObject({ type: 'array', maxItems: 32 });

    const get = operationOf(methodList.find((def) => def.name === 'servers.get') as MethodDef);
    expect(get.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: expect.objectContaining({ type: 'string', format: 'uuid' }) }]);
    const answer = get.responses['200']?.content?.['application/json']?.schema.properties ?? {};
    expect(answer.createdAt).toMatchObject({ type: 'integer', format: 'int64' });

    const integers: Schema[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === 'object' && node !== null) {
        if ((node as Schema).type === 'integer') integers.push(node as Schema);
        Object.values(node).forEach(walk);
      }
    };
    walk(doc);
    expect(integers.length).toBeGreaterThan(50);
    expect(integers.filter((schema) => schema.format !== 'int32' && schema.format !== 'int64')).toEqual([]);
  });

  it('routes every path parameter the contract accepts (longer ones are 414)', () => {
    for (const def of methodList) {
      for (const parameter of operationOf(def).parameters.filter((p) => p.in === 'path')) {
        const { schema } = parameter;
        const longest = schema.format === 'uuid' ? 36 : schema.type === 'integer' ? String(schema.maximum).length : Number(schema.maxLength);
        expect(longest, `${def.name} ${parameter.name}`).toBeLessThanOrEqual(PATH_PARAM_MAX_LENGTH);
      }
    }
  });

  it('names the package’s license', () => {
    const { license } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { license: string };
    expect(doc.info.license?.identifier).toBe(license);
  });
});

describe('the error codes it lists', () => {
  const env = useTempCore({ scope: 'all', prefix: 'guardian-openapi-' });
  const viewer: Principal = { kind: 'apiKey', id: 'key-viewer', name: 'viewer key', role: 'viewer' };
  const inputs = [{}, { id: '00000000-0000-4000-8000-000000000000' }, { unexpected: true }];

  it('cover every answer the router gives to anyone, the owner, or a viewer', async () => {
    const undocumented: string[] = [];
    for (const def of methodList) {
      const documented = new Set(errorCodesOf(def));
      for (const principal of [null, viewer, LOCAL_OWNER]) {
        for (const input of inputs) {
          const result = await env.core.router.call(principal, def.name, input, { origin: 'test' });
          if (!result.ok && !documented.has(result.error.code))
            undocumented.push(
              `${def.name} ${principal?.role ?? 'anonymous'} ${JSON.stringify(input)}: ${result.error.code} (${HTTP_STATUS[result.error.code]})`,
            );
        }
      }
    }
    expect(undocumented).toEqual([]);
  });
});
