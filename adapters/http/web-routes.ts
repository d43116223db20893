import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OrderView } from '../../application/orders/order-view.ts';
import type { ApiToken } from './auth.ts';
import { authorize, mayDo } from './auth.ts';

/** Every change of an order, as it now stands (what the live blotter follows). */
export interface OrderChanges {
  /** Calls `listener` with the order after each of its changes; returns the unsubscribe. */
  subscribe(listener: (order: OrderView) => void): () => void;
}

/**
 * The page's Content-Security-Policy: its own scripts, styles and API only (no inline script, no
 * eval, no other origin, not framed). uPlot and Preact set styles through the CSSOM, which
 * `style-src 'self'` allows.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The page's own files: the only paths the API serves without a token (they hold no data). */
export const isPagePath = (path: string): boolean =>
  path === '/' || path === '/index.html' || path.startsWith('/assets/');

/** Whether `root` holds a built page (its index.html). */
export const pageBuilt = (root: string): boolean => existsSync(join(root, 'index.html'));

/**
 * The built web page, served from `root` on the API's own port: hashed assets cached for good,
 * the HTML revalidated on every load, each with the strict CSP. Only the files present at start are
 * routed (anything else is the API's 404).
 */
export function servePage(app: FastifyInstance, root: string): void {
  app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    etag: true,
    lastModified: false,
    setHeaders: (res, path) => {
      res.header(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      res.header('content-security-policy', PAGE_CSP);
      res.header('x-content-type-options', 'nosniff');
      res.header('referrer-policy', 'no-referrer');
    },
  });
}

/** `GET /v1/session`: who the bearer token is, and what its role may do. */
export function sessionRoute(app: FastifyInstance, callerOf: (request: FastifyRequest) => ApiToken): void {
  app.get('/v1/session', async (request) => {
    const caller = callerOf(request);
    return {
      name: caller.name,
      role: caller.role,
      may: {
        read: mayDo(caller.role, 'read'),
        trade: mayDo(caller.role, 'trade'),
        operate: mayDo(caller.role, 'operate'),
      },
    };
  });
}

/** How often an idle stream sends a comment line (keeps proxies and the reader's timeout at bay). */
const KEEP_ALIVE_MS = 15_000;

/**
 * `GET /v1/orders/stream`: server-sent events, one `order` event (the order as it stands, JSON) per
 * change, for as long as the client reads. Authenticated like every route (Bearer header: the page
 * reads it with fetch, never EventSource, so the token stays out of the URL). Streams end when the
 * service closes.
 */
export function orderStreamRoute(
  app: FastifyInstance,
  callerOf: (request: FastifyRequest) => ApiToken,
  changes: OrderChanges,
): void {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
  app.get('/v1/orders/stream', async (request, reply) => {
    authorize(callerOf(request), 'read', 'GET /v1/orders/stream');
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    raw.write('retry: 2000\n: following order changes\n\n');
    const unsubscribe = changes.subscribe((order) => {
      raw.write(`event: order\ndata: ${JSON.stringify(order)}\n\n`);
    });
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    const end = () => {
      clearInterval(keepAlive);
      unsubscribe();
      open.delete(end);
      if (!raw.writableEnded) raw.end();
    };
    open.add(end);
    request.raw.once('close', end);
  });
}
