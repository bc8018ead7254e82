import { z } from 'zod';
import { AppErrorShape, eventList, methodList, pathParams, type MethodDef } from '@shared/api';
import { API_PREFIX, CSRF_HEADER } from '@shared/api/http';
import { SESSION_COOKIE } from './auth';
import { errorCodesOf, errorResponses } from './openapi-errors';

type JsonSchema = Record<string, unknown>;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

const isObject = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What zod emits, made plain for client generators and linters: integers carry their format
 * (int32 when their bounds fit, int64 otherwise), "anything or null" is "anything", and a record
 * over an enum (whose keys are all required) names its keys as properties.
 */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (!isObject(node)) return node;
  const json: JsonSchema = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, tidy(value)]));
  if (json.type === 'integer' && json.format === undefined) {
    const fits = typeof json.minimum === 'number' && typeof json.maximum === 'number' && json.minimum >= INT32_MIN && json.maximum <= INT32_MAX;
    json.format = fits ? 'int32' : 'int64';
  }
  if (Array.isArray(json.anyOf) && json.anyOf.some((branch) => isObject(branch) && Object.keys(branch).length === 0)) {
    delete json.anyOf;
  }
  const required = Array.isArray(json.required) ? (json.required as string[]) : [];
  const properties = isObject(json.properties) ? json.properties : {};
  const missing = required.filter((name) => !(name in properties));
  if (missing.length > 0 && isObject(json.additionalProperties)) {
    json.properties = { ...properties, ...Object.fromEntries(missing.map((name) => [name, json.additionalProperties])) };
  }
  return json;
}

/**
 * A schema's JSON Schema as the API sees it: requests in their input form (`io: 'input'`, so
 * defaults make fields optional and query strings show their typed form), answers in their output
 * form. Every bound the schema enforces (lengths, sizes, ranges, patterns, formats) is kept.
 */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return tidy(json) as JsonSchema;
}

/** The object schemas an input may be: itself, or each branch of a union (anyOf, oneOf), nested unions flattened. */
function branchesOf(schema: JsonSchema): JsonSchema[] {
  const union: unknown = schema.anyOf ?? schema.oneOf;
  return Array.isArray(union) ? union.filter(isObject).flatMap(branchesOf) : [schema];
}

/** `schema` without the path parameters among its properties: in each branch of a union. */
function withoutParams(schema: JsonSchema, params: readonly string[]): JsonSchema {
  for (const key of ['anyOf', 'oneOf'] as const) {
    const union: unknown = schema[key];
    if (Array.isArray(union)) return { ...schema, [key]: union.map((branch) => (isObject(branch) ? withoutParams(branch, params) : branch)) };
  }
  const properties = { ...((schema.properties ?? {}) as Record<string, unknown>) };
  for (const name of params) delete properties[name];
  const required = ((schema.required ?? []) as string[]).filter((name) => !params.includes(name));
  return { ...schema, properties, required };
}

function parameters(def: MethodDef, input: JsonSchema): unknown[] {
  const params = pathParams(def.http.path);
  // A union's branches all carry the path parameter (an input such as alerts.updateChannel's): the first one's schema describes it.
  const properties = Object.assign(
    {},
    ...branchesOf(input)
      .map((branch) => branch.properties ?? {})
      .reverse(),
  ) as Record<string, JsonSchema>;
  const required = new Set((input.required ?? []) as string[]);
  const list: unknown[] = params.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: properties[name] ?? { type: 'string' },
  }));
  if (def.http.method === 'GET' || def.http.method === 'DELETE') {
    for (const [name, schema] of Object.entries(properties)) {
      if (params.includes(name)) continue;
      list.push({
        name,
        in: 'query',
        required: required.has(name),
        schema,
        ...(schema.type === 'array' ? { style: 'form', explode: false } : {}),
      });
    }
  }
  return list;
}

function requestBody(def: MethodDef, input: JsonSchema): unknown {
  if (def.http.method === 'GET' || def.http.method === 'DELETE') return undefined;
  return {
    required: true,
    content: { 'application/json': { schema: withoutParams(input, pathParams(def.http.path)) } },
  };
}

/**
 * Who may call: public methods nobody (`[]`); the rest an API key, or a session cookie, which
 * must come with the CSRF header on anything that changes state (see auth.ts).
 */
function securityOf(def: Pick<MethodDef, 'permission' | 'http'>): unknown[] {
  if (def.permission === 'public') return [];
  const changesState = def.http.method !== 'GET';
  return [{ apiKey: [] }, changesState ? { session: [], csrf: [] } : { session: [] }];
}

const securitySchemes = {
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'gdn_…',
    description: 'An API key made with "guardian apikey create" or apikeys.create, sent as "Authorization: Bearer gdn_…".',
  },
  session: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: 'The HttpOnly session cookie that auth.login and auth.setup set.',
  },
  csrf: {
    type: 'apiKey',
    in: 'header',
    name: CSRF_HEADER,
    description: 'The csrfToken that sign-in answered with; needed with the session cookie on POST, PUT, PATCH and DELETE.',
  },
};

function eventsOperation(): Record<string, unknown> {
  const def = { name: 'events', permission: 'authenticated', http: { method: 'GET', path: '/events' } } as const;
  return {
    operationId: 'events',
    summary: 'Server-Sent Events: each contract event the caller may receive, as "event: <name>" and "data: <JSON>".',
    description: `Optional query "events" (comma-separated) picks some of: ${eventList.map((event) => event.name).join(', ')}. The data of each event is the schema named Event_<name> under components.`,
    tags: ['events'],
    security: securityOf(def),
    parameters: [{ name: 'events', in: 'query', required: false, schema: { type: 'string' } }],
    'x-guardian-event-payloads': Object.fromEntries(eventList.map((event) => [event.name, { $ref: `#/components/schemas/Event_${event.name}` }])),
    responses: {
      '200': { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
      // The stream takes no input to refuse: only who is calling, and the server's own failures.
      ...errorResponses(['UNAUTHENTICATED', 'INTERNAL', 'UNAVAILABLE']),
    },
  };
}

/** The OpenAPI 3.1 document, generated from the contract: the REST API can never drift from it. */
export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const def of methodList) {
    const route = def.http.path.replace(/:([A-Za-z][A-Za-z0-9]*)/g, '{$1}');
    const input = schemaOf(def.input, 'input');
    const body = requestBody(def, input);
    (paths[API_PREFIX + route] ??= {})[def.http.method.toLowerCase()] = {
      operationId: def.name,
      summary: def.summary,
      tags: [def.name.split('.')[0]],
      security: securityOf(def),
      'x-guardian-permission': def.permission,
      'x-guardian-audited': def.audit !== false,
      parameters: parameters(def, input),
      ...(body ? { requestBody: body } : {}),
      responses: {
        '200': { description: 'Success', content: { 'application/json': { schema: schemaOf(def.output, 'output') } } },
        ...errorResponses(errorCodesOf(def)),
      },
    };
  }
  paths[`${API_PREFIX}/events`] = { get: eventsOperation() };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Guardian Server Manager API',
      version,
      description:
        'Every failure answers { "error": { code, message, hint, retryable, correlationId, issues? } }; each operation lists the codes it can give under its status.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'The Guardian that serves this document.' }],
    paths,
    components: {
      securitySchemes,
      headers: {
        CorrelationId: {
          description: 'The id of this request in Guardian’s log, also in the error body as correlationId.',
          schema: { type: 'string', format: 'uuid' },
        },
      },
      schemas: {
        AppError: schemaOf(AppErrorShape, 'output'),
        ErrorResponse: {
          type: 'object',
          required: ['error'],
          properties: { error: { $ref: '#/components/schemas/AppError' } },
          additionalProperties: false,
        },
        ...Object.fromEntries(eventList.map((event) => [`Event_${event.name}`, schemaOf(event.payload, 'output')])),
      },
    },
  };
}
