import { z } from 'zod';
import { AppErrorShape, eventList, methodList, pathParams, type MethodDef } from '../../../shared/api';
import { API_PREFIX } from '../../../shared/api/http';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}

function parameters(def: MethodDef, input: JsonSchema): unknown[] {
  const params = pathParams(def.http.path);
  const properties = (input.properties ?? {}) as Record<string, JsonSchema>;
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
  const params = pathParams(def.http.path);
  const properties = { ...((input.properties ?? {}) as Record<string, unknown>) };
  for (const name of params) delete properties[name];
  const required = ((input.required ?? []) as string[]).filter((name) => !params.includes(name));
  return {
    required: true,
    content: { 'application/json': { schema: { ...input, properties, required } } },
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
      'x-guardian-permission': def.permission,
      'x-guardian-audited': def.audit !== false,
      parameters: parameters(def, input),
      ...(body ? { requestBody: body } : {}),
      responses: {
        '200': { description: 'Success', content: { 'application/json': { schema: schemaOf(def.output, 'output') } } },
        default: {
          description: 'Failure; the status code follows the error code.',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
        },
      },
    };
  }
  paths[`${API_PREFIX}/events`] = {
    get: {
      operationId: 'events',
      summary: `Server-Sent Events. Optional query "events" (comma-separated) picks some of: ${eventList
        .map((event) => event.name)
        .join(', ')}.`,
      parameters: [{ name: 'events', in: 'query', required: false, schema: { type: 'string' } }],
      responses: { '200': { description: 'An event stream', content: { 'text/event-stream': {} } } },
    },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'Guardian Server Manager API', version },
    paths,
    components: {
      schemas: {
        ErrorResponse: {
          type: 'object',
          required: ['error'],
          properties: { error: schemaOf(AppErrorShape, 'output') },
        },
        ...Object.fromEntries(eventList.map((event) => [`Event_${event.name}`, schemaOf(event.payload, 'output')])),
      },
    },
  };
}
