import { z } from 'zod';
import { ErrorBodySchema } from './errors.ts';
import type { Route } from './route.ts';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'openapi-3.0',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

/** Query and path parameters from an object schema. */
function parametersOf(schema: z.ZodType | undefined, location: 'query' | 'path'): JsonSchema[] {
  if (!schema) return [];
  const json = schemaOf(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    schema: property,
  }));
}

/** A route's responses; a report's 200 is JSON or CSV (`Accept`), and an unknown `Accept` a 406. */
function responsesOf(route: Route): JsonSchema {
  const responses: JsonSchema = Object.fromEntries(
    Object.entries(route.responses).map(([status, response]) => [
      status,
      {
        description: response.description,
        ...(response.schema && {
          content: {
            'application/json': { schema: schemaOf(response.schema, 'output') },
            ...(status === '200' &&
              route.csv && {
                'text/csv': {
                  schema: {
                    type: 'string',
                    description: `The whole filtered range (from \`cursor\` if given; \`limit\` does not apply), streamed: a header row (${route.csv.columns.join(', ')}), then one RFC 4180 record per row; decimals exact. Sent as ${route.csv.filename}.`,
                  },
                },
              }),
          },
        }),
      },
    ]),
  );
  if (route.csv) {
    responses['406'] = {
      description: 'The Accept header allows neither application/json nor text/csv',
      content: { 'application/json': { schema: schemaOf(ErrorBodySchema, 'output') } },
    };
  }
  return responses;
}

/** The OpenAPI 3.0 document of the API, generated from the same zod schemas that validate it. */
export function openApiDocument(routes: readonly Route[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const operation: JsonSchema = {
      summary: route.summary,
      parameters: [
        ...parametersOf(route.params, 'path'),
        ...parametersOf(route.query, 'query'),
        ...(route.idempotent
          ? [
              {
                name: 'Idempotency-Key',
                in: 'header',
                required: false,
                description:
                  'A retry with the same key returns the first result; another payload with it is refused (409).',
                schema: { type: 'string', maxLength: 200 },
              },
            ]
          : []),
        {
          name: 'X-Correlation-Id',
          in: 'header',
          required: false,
          description: 'Carried on every event the request causes.',
          schema: { type: 'string', maxLength: 128 },
        },
      ],
      ...(route.body && {
        requestBody: {
          required: true,
          content: { 'application/json': { schema: schemaOf(route.body, 'input') } },
        },
      }),
      responses: responsesOf(route),
      ...(route.auth && { security: [{ bearer: [] }] }),
    };
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'OMS API',
      version,
      description:
        'Order management for Deribit and Bitget. Decimals are strings. Errors are {code, message, details}.',
    },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
