/**
 * What a `pg` or PGlite error says about itself. Both report server errors with a SQLSTATE `code`;
 * anything a driver call throws without one (socket closed, connection refused, pool timeout) is a
 * transport failure.
 */
export const sqlStateOf = (error: unknown): string | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/** SQLSTATEs after which the same statement may succeed later: connection, resources, shutdown, conflicts. */
export const isTransientSqlState = (code: string): boolean =>
  code.startsWith('08') || // connection exception
  code.startsWith('53') || // insufficient resources (too many connections, disk full, out of memory)
  code.startsWith('57P') || // admin shutdown, crash shutdown, cannot connect now
  code === '40001' || // serialization failure
  code === '40P01' || // deadlock detected
  code === '55P03' || // lock not available
  code === '57014'; // query canceled (statement timeout)

/** The message of whatever was thrown. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Turns what a driver threw into the caller's error (the event store's, the read models'). */
export type TranslateSqlError = (error: unknown) => unknown;

/** Waits `ms`, or less when `signal` aborts. */
export const pause = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
