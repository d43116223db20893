import type { z } from 'zod';
import type { RequestContext } from '../../application/orders/service-result.ts';
import type { Permission } from './auth.ts';
import type { CsvReport } from './csv.ts';

/**
 * What the server hands a route: the request's body, query and path parameters as the route's
 * schemas parsed them (each parsed once, by the server; undefined where the route has no schema).
 */
export interface RouteInput {
  body: unknown;
  query: unknown;
  params: unknown;
  context: RequestContext;
}

export interface RouteResult {
  status: number;
  body: unknown;
}

/** What a route declares besides its input schemas, its handler and its CSV. */
interface RouteShape {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Fastify path syntax (`/v1/orders/:orderId`). */
  path: string;
  summary: string;
  /** Bearer token required (every route: authentication comes before anything else). */
  auth: boolean;
  /** What the caller's role must grant (default: `read` for GET, `trade` otherwise). */
  permission?: Permission;
  /** Accepts an `Idempotency-Key` header. */
  idempotent?: boolean;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
}

/** A route as the server and the OpenAPI document see it: its input's types erased. */
export interface Route extends RouteShape {
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  /** A report: also served as CSV (`Accept: text/csv`), the whole filtered range streamed. */
  csv?: CsvReport;
  handle: (input: RouteInput) => Promise<RouteResult>;
}

/** What a schema parses to; undefined where a route declares none. */
type Parsed<S extends z.ZodType | undefined> = S extends z.ZodType ? z.output<S> : undefined;

/** A route as it is written: its handler (and its CSV) take the values its schemas parse to. */
export interface RouteSpec<
  B extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  P extends z.ZodType | undefined,
> extends RouteShape {
  body?: B;
  query?: Q;
  params?: P;
  /** A report: also served as CSV (`Accept: text/csv`), the whole filtered range streamed. */
  csv?: CsvReport<Parsed<Q>>;
  handle: (input: {
    body: Parsed<B>;
    query: Parsed<Q>;
    params: Parsed<P>;
    context: RequestContext;
  }) => Promise<RouteResult>;
}

/**
 * A route whose handler (and CSV) receive its body, query and path parameters typed from its
 * schemas; the server parses each once and passes the result on.
 */
export function route<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<B, Q, P>): Route {
  // The one cast: sound because the server parses the body, query and path parameters with the
  // very schemas this spec declares (spec.body, spec.query, spec.params) and hands their outputs,
  // or undefined where a schema is absent, to `handle` and `csv.pages`: what `Parsed` says they get.
  return spec as unknown as Route;
}
