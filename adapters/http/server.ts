import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { IdempotencyKeySchema } from '../../application/orders/requests.ts';
import { type ApiToken, authenticate, authorize, type Permission, pathOnly } from './auth.ts';
import { attachment, type CsvReport, csvStream, negotiateReport, type ReportFormat } from './csv.ts';
import { HttpError, readingCursor, validationError } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import type { Route } from './route.ts';
import { isPagePath, type OrderChanges, orderStreamRoute, servePage, sessionRoute } from './web-routes.ts';

export interface HttpServerOptions {
  routes: readonly Route[];
  /** The named tokens clients authenticate with (their roles say what each may do). */
  tokens?: readonly ApiToken[];
  /** One token with every right (named `api`), when `tokens` is not given. */
  token?: string;
  logger: Logger;
  /** Request bodies above this are refused with 413. */
  bodyLimitBytes?: number;
  version: string;
  /** The built web page's directory, served on `/` (no page when absent). */
  pageRoot?: string;
  /** Order changes, for `GET /v1/orders/stream` (the live blotter); no stream when absent. */
  orderChanges?: OrderChanges;
}

const CorrelationIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w.:-]+$/);

/**
 * The HTTP API: JSON in and out, decimals as strings, unknown fields refused, bodies limited,
 * bearer-token auth, errors always `{code, message, details}` (never a stack, never a secret).
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const tokens: readonly ApiToken[] =
    options.tokens ?? (options.token ? [{ name: 'api', role: 'operator', token: options.token }] : []);
  if (tokens.length === 0) throw new Error('the HTTP API needs at least one token');
  // Requests are logged by path only: a query string never reaches a log.
  const logger = options.logger.child(
    {},
    {
      serializers: {
        req: (req: { method: string; url: string; id: string }) => ({
          id: req.id,
          method: req.method,
          url: pathOnly(req.url),
        }),
      },
    },
  );
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes ?? 16 * 1024,
    return503OnClosing: true,
    // HTTP the parser refuses (both Transfer-Encoding and Content-Length, a broken header): the
    // same error body as everything else, and the connection closed.
    clientErrorHandler: (error, socket) => {
      if (!socket.writable) return;
      const http = new HttpError('MALFORMED_REQUEST', 'the request is not valid HTTP/1.1', {
        reason: (error as NodeJS.ErrnoException).code ?? 'HPE_INVALID',
      });
      const body = JSON.stringify(http.body);
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
    routerOptions: { ignoreTrailingSlash: true },
    // Errors the router raises before any route runs (bad percent-encoding, an over-long path
    // parameter): the same error body as everything else, without echoing the URL back.
    frameworkErrors: (error, _request, reply) => {
      const http = new HttpError(
        'VALIDATION_FAILED',
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? 'a path parameter is too long'
          : 'the URL is not valid (check its percent-encoding)',
        {
          issues: [
            { path: 'path', message: error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'too long' : 'invalid' },
          ],
        },
      );
      return (reply as FastifyReply).status(http.status).send(http.body);
    },
  });
  // JSON only: anything else is 415.
  app.removeContentTypeParser('text/plain');
  // Authentication comes first: before the body is read, before routing answers 404 or 405.
  const callers = new WeakMap<FastifyRequest, ApiToken>();
  // The page's own files are the one exception: they hold no data, and the page asks for the token.
  const pageRoot = options.pageRoot;
  app.addHook('onRequest', async (request) => {
    const method = request.method;
    if (
      pageRoot !== undefined &&
      (method === 'GET' || method === 'HEAD') &&
      isPagePath(pathOnly(request.url))
    )
      return;
    callers.set(request, authenticate(request, tokens));
  });
  const callerOf = (request: FastifyRequest): ApiToken => {
    const caller = callers.get(request);
    if (!caller) throw new HttpError('UNAUTHORIZED', 'send Authorization: Bearer <token>');
    return caller;
  };
  // JSON is UTF-8: a body declared in another charset (utf-7, latin1...) would be read wrongly.
  app.addHook('onRequest', async (request) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      throw new HttpError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json in UTF-8');
    }
  });

  for (const route of options.routes) {
    app.route({
      method: route.method,
      url: route.path,
      config: { idempotent: route.idempotent === true },
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const caller = callerOf(request);
        authorize(caller, permissionOf(route), `${route.method} ${route.path}`);
        const context = { ...requestContext(request, route), by: caller.name };
        // Parsed once, here: the handler (and a report's CSV) get what the route's schemas parse to.
        const input = {
          body: parseOrThrow('body', route.body, request.body),
          query: parseOrThrow('query', route.query, request.query ?? {}),
          params: parseOrThrow('path', route.params, request.params ?? {}),
          context,
        };
        if (route.csv !== undefined && reportFormat(request) === 'csv') {
          return sendCsv(reply, route.csv, input.query);
        }
        const result = await route.handle(input);
        return reply.status(result.status).send(result.body);
      },
    });
  }

  sessionRoute(app, callerOf);
  if (options.orderChanges) orderStreamRoute(app, callerOf, options.orderChanges);
  if (pageRoot !== undefined) servePage(app, pageRoot);

  const document = openApiDocument(options.routes, options.version);
  app.get('/v1/openapi.json', async () => document);

  app.setNotFoundHandler((request, reply) => {
    const error = new HttpError('ROUTE_NOT_FOUND', `no route ${request.method} ${pathOnly(request.url)}`);
    return reply.status(error.status).send(error.body);
  });

  app.setErrorHandler((error: unknown, request, reply) => {
    const config = request.routeOptions.config as { idempotent?: boolean } | undefined;
    const http = toHttpError(error, config?.idempotent === true);
    if (http.code === 'INTERNAL_ERROR' || http.code === 'STORE_UNAVAILABLE')
      request.log.error({ err: error }, 'request failed');
    return reply.status(http.status).send(http.body);
  });

  return app;
}

/** What a report's client accepts: JSON or CSV; neither is a 406. */
function reportFormat(request: FastifyRequest): ReportFormat {
  const format = negotiateReport(request.headers.accept);
  if (format === undefined) {
    throw new HttpError('NOT_ACCEPTABLE', 'this report is served as application/json or text/csv', {
      issues: [{ path: 'header.Accept', message: 'accept application/json or text/csv' }],
    });
  }
  return format;
}

/**
 * A report as CSV: the first page is read before the status is sent (a bad cursor or an unavailable
 * database is still an error response); the rest is streamed, each page read when the client has
 * taken the previous one. A failure after that can only cut the response short (and is logged).
 */
async function sendCsv(reply: FastifyReply, csv: CsvReport, query: unknown) {
  const pages = csv.pages(query)[Symbol.asyncIterator]();
  const first = await readingCursor(() => pages.next());
  async function* all() {
    if (first.done === true) return;
    yield first.value;
    for (let next = await pages.next(); next.done !== true; next = await pages.next()) yield next.value;
  }
  return reply
    .status(200)
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', attachment(csv.filename))
    .send(csvStream(csv.columns, all()));
}

/** What a route needs: reading for GET, trading otherwise, unless the route says (the controls). */
const permissionOf = (route: Route): Permission =>
  route.permission ?? (route.method === 'GET' ? 'read' : 'trade');

function requestContext(request: FastifyRequest, route: Route) {
  const key = request.headers['idempotency-key'];
  const correlation = request.headers['x-correlation-id'];
  if (key !== undefined && !route.idempotent) {
    throw new HttpError('VALIDATION_FAILED', `${route.method} ${route.path} takes no Idempotency-Key`, {
      issues: [{ path: 'header.Idempotency-Key', message: 'not accepted on this route' }],
    });
  }
  const idempotencyKey = key === undefined ? undefined : parseOrThrow('header', IdempotencyKeySchema, key);
  const correlationId =
    correlation === undefined ? undefined : parseOrThrow('header', CorrelationIdSchema, correlation);
  return {
    ...(idempotencyKey !== undefined && { idempotencyKey: idempotencyKey as string }),
    ...(correlationId !== undefined && { correlationId: correlationId as string }),
    source: 'client' as const,
  };
}

/**
 * What the schema parses the value to (a 400 VALIDATION_FAILED naming where, if it does not parse);
 * undefined where the route declares no schema (and a body or query it does not take is refused).
 */
function parseOrThrow(
  where: 'body' | 'query' | 'path' | 'header',
  schema: z.ZodType | undefined,
  value: unknown,
): unknown {
  if (schema === undefined) {
    if (
      where === 'body' &&
      value !== undefined &&
      !(typeof value === 'object' && value !== null && Object.keys(value).length === 0)
    ) {
      throw new HttpError('VALIDATION_FAILED', 'this route takes no request body', {
        issues: [{ path: 'body', message: 'unexpected body' }],
      });
    }
    if (where === 'query' && value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
      const keys = Object.keys(value);
      throw new HttpError('VALIDATION_FAILED', `unknown query parameter ${keys[0]}`, {
        issues: keys.map((k) => ({ path: `query.${k}`, message: 'unknown parameter' })),
      });
    }
    return undefined;
  }
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(where, result.error);
  return result.data;
}

function toHttpError(error: unknown, idempotent: boolean): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof z.ZodError) return validationError('body', error);
  const code = (error as { code?: unknown }).code;
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new HttpError('PAYLOAD_TOO_LARGE', 'the request body is too large (16 KiB at most)');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new HttpError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  }
  if (
    code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    error instanceof SyntaxError
  ) {
    return new HttpError('INVALID_JSON', 'the request body is not valid JSON');
  }
  if (
    code === 'STORE_UNAVAILABLE' ||
    (code === 'READ_MODEL_DB_ERROR' && (error as { transient?: boolean }).transient)
  ) {
    // The database did not answer (down, unreachable, timed out, full): a dependency, not a bug.
    const what = code === 'STORE_UNAVAILABLE' ? 'the event store' : 'the read-model database';
    return new HttpError(
      'STORE_UNAVAILABLE',
      idempotent
        ? `${what} is unavailable; retry the request later with the same Idempotency-Key`
        : `${what} is unavailable; retry the request later`,
    );
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return new HttpError('VALIDATION_FAILED', error instanceof Error ? error.message : 'bad request');
  }
  return new HttpError('INTERNAL_ERROR', 'the request failed inside the service; it has been logged');
}
