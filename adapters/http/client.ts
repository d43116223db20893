import { z } from 'zod';
import { OrderViewSchema, TimelineEntrySchema } from '../../application/orders/order-view.ts';
import { InstrumentStatementSchema, MarkRowSchema } from '../../application/ports/instrument-queries.ts';
import {
  BalanceRowSchema,
  DailyStatementSchema,
  LedgerPageSchema,
  OrderPageSchema,
  PositionRowSchema,
  PostingPageSchema,
} from '../../application/ports/queries.ts';
import { ErrorBodySchema } from './errors.ts';
import { HealthSchema } from './health-route.ts';
import { BreakViewSchema } from './reconciliation-routes.ts';

/** A typed client of the HTTP API (the CLI and the demo use it). Replies are checked with zod. */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(status: number, body: z.infer<typeof ErrorBodySchema>) {
    super(`${body.code}: ${body.message}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.details = body.details;
  }
}

const CommandResultSchema = z.object({ order: OrderViewSchema, replayed: z.boolean() });
export type CommandReply = z.infer<typeof CommandResultSchema> & { status: number };

export interface ApiClientOptions {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
}

export function createApiClient({ baseUrl, token, timeoutMs = 30_000 }: ApiClientOptions) {
  async function call<T>(
    method: string,
    path: string,
    schema: z.ZodType<T>,
    options: { body?: unknown; idempotencyKey?: string; query?: Record<string, string | undefined> } = {},
  ): Promise<{ status: number; value: T }> {
    const url = new URL(path, baseUrl);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(options.body !== undefined && { 'content-type': 'application/json' }),
        ...(options.idempotencyKey !== undefined && { 'idempotency-key': options.idempotencyKey }),
      },
      ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json: unknown = await response.json();
    if (!response.ok) throw new ApiError(response.status, ErrorBodySchema.parse(json));
    return { status: response.status, value: schema.parse(json) };
  }
  const command = async (
    method: string,
    path: string,
    body?: unknown,
    idempotencyKey?: string,
  ): Promise<CommandReply> => {
    const { status, value } = await call(method, path, CommandResultSchema, {
      ...(body !== undefined && { body }),
      ...(idempotencyKey !== undefined && { idempotencyKey }),
    });
    return { ...value, status };
  };

  /**
   * A report as CSV (`Accept: text/csv`): the response body as it streams. The time limit is for
   * the response to begin; the body takes as long as the range does.
   */
  async function csv(
    path: string,
    query: Record<string, string | undefined>,
  ): Promise<AsyncIterable<Uint8Array>> {
    const url = new URL(path, baseUrl);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new Error(`no response from ${path} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'text/csv' },
        signal: abort.signal,
      });
      if (!response.ok) throw new ApiError(response.status, ErrorBodySchema.parse(await response.json()));
      if (response.body === null) throw new Error(`${path} sent no body`);
      return response.body;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    csv,
    place: (body: Record<string, unknown>, idempotencyKey?: string) =>
      command('POST', '/v1/orders', body, idempotencyKey),
    amend: (orderId: string, body: Record<string, unknown>, idempotencyKey?: string) =>
      command('PATCH', `/v1/orders/${orderId}`, body, idempotencyKey),
    cancel: (orderId: string, idempotencyKey?: string) =>
      command('DELETE', `/v1/orders/${orderId}`, undefined, idempotencyKey),
    closePosition: (body: Record<string, unknown>, idempotencyKey?: string) =>
      command('POST', '/v1/positions/close', body, idempotencyKey),
    cancelAll: async (body: Record<string, unknown> = {}) =>
      (
        await call(
          'POST',
          '/v1/orders/cancel-all',
          z.object({ cancelled: z.array(z.string()), failed: z.array(z.unknown()) }),
          { body },
        )
      ).value,
    order: async (orderId: string) => (await call('GET', `/v1/orders/${orderId}`, OrderViewSchema)).value,
    history: async (orderId: string) =>
      (await call('GET', `/v1/orders/${orderId}/history`, z.array(TimelineEntrySchema))).value,
    orders: async (query: Record<string, string | undefined> = {}) =>
      (await call('GET', '/v1/orders', OrderPageSchema, { query })).value,
    positions: async (query: Record<string, string | undefined> = {}) =>
      (await call('GET', '/v1/positions', z.array(PositionRowSchema), { query })).value,
    instrument: async (venue: string, symbol: string) =>
      (
        await call(
          'GET',
          `/v1/instruments/${venue}/${encodeURIComponent(symbol)}`,
          z.object({
            instrument: z
              .object({ tickSize: z.string(), minAmount: z.string(), amountStep: z.string() })
              .passthrough(),
            markPrice: z.string().nullable(),
          }),
        )
      ).value,
    ledger: async (query: Record<string, string | undefined> = {}) =>
      (await call('GET', '/v1/ledger', LedgerPageSchema, { query })).value,
    postings: async (query: Record<string, string | undefined> = {}) =>
      (await call('GET', '/v1/ledger/postings', PostingPageSchema, { query })).value,
    balances: async (query: Record<string, string | undefined> = {}) =>
      (await call('GET', '/v1/balances', z.array(BalanceRowSchema), { query })).value,
    statements: async (query: Record<string, string | undefined> = {}) =>
      (await call('GET', '/v1/statements/daily', z.array(DailyStatementSchema), { query })).value,
    instrumentStatements: async (query: Record<string, string | undefined> = {}) =>
      (await call('GET', '/v1/statements/daily/instruments', z.array(InstrumentStatementSchema), { query }))
        .value,
    marks: async (query: Record<string, string | undefined> = {}) =>
      (await call('GET', '/v1/marks', z.array(MarkRowSchema), { query })).value,
    recordMarks: async () =>
      (
        await call(
          'POST',
          '/v1/marks/record',
          z.object({ results: z.array(z.record(z.string(), z.unknown())) }),
          { body: {} },
        )
      ).value,
    ingestLedger: async () =>
      (
        await call(
          'POST',
          '/v1/ledger/ingest',
          z.object({ results: z.array(z.record(z.string(), z.unknown())) }),
          { body: {} },
        )
      ).value,
    health: async () => (await call('GET', '/v1/health', HealthSchema)).value,
    killSwitch: async (body: { engaged: boolean; reason: string; cancelAll?: boolean }) =>
      (await call('POST', '/v1/kill-switch', z.record(z.string(), z.unknown()), { body })).value,
    reconcile: async (body: { venue?: string; account?: string } = {}) =>
      (
        await call(
          'POST',
          '/v1/reconcile',
          z.object({ reports: z.array(z.record(z.string(), z.unknown())) }),
          { body },
        )
      ).value,
    breaks: async (status?: 'open' | 'resolved') =>
      (await call('GET', '/v1/breaks', z.array(BreakViewSchema), { query: { status } })).value,
    resolveOrder: async (orderId: string, as: 'cancelled' | 'lost', reason: string) =>
      (
        await call(
          'POST',
          `/v1/orders/${orderId}/resolve`,
          z.object({ order: OrderViewSchema, resolvedBreaks: z.array(z.string()) }),
          { body: { as, reason } },
        )
      ).value,
    resolveBreak: async (breakId: string, reason: string) =>
      (
        await call('POST', `/v1/breaks/${encodeURIComponent(breakId)}/resolve`, BreakViewSchema, {
          body: { reason },
        })
      ).value,
  };
}
export type ApiClient = ReturnType<typeof createApiClient>;
