import type { Logger } from 'pino';
import type { ReconciliationReport } from '../reconciliation/reconciliation.ts';
import { type BackoffOptions, retryWithBackoff } from '../support/backoff.ts';
import type { VenueEntry, VenueRegistry } from './venue-registry.ts';

export interface VenueSupervisorOptions {
  readonly registry: VenueRegistry;
  readonly logger: Logger;
  /** Reconciles one venue account; the venue takes new orders only once this succeeded. */
  readonly reconcile: (entry: VenueEntry) => Promise<ReconciliationReport>;
  readonly connectBackoff?: BackoffOptions;
  readonly reconcileBackoff?: BackoffOptions;
  /**
   * How often each connected venue account is reconciled besides every (re)connect (default 60 s;
   * 0: only on connect and on demand). A fill whose push was lost while the socket stayed up is
   * learned within one interval.
   */
  readonly intervalMs?: number;
}

/**
 * Supervises the venue connections: connects every venue (retrying with the backoff while it cannot
 * be reached; it stays paused meanwhile), and reconciles each venue account on every (re)connect,
 * every interval and on demand, one run at a time per account, retrying a failed run while the
 * venue stays connected.
 */
export class VenueSupervisor {
  readonly #o: VenueSupervisorOptions;
  readonly #reports = new Map<string, ReconciliationReport>();
  readonly #reconciling = new Map<string, Promise<void>>();
  readonly #stop = new AbortController();
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(options: VenueSupervisorOptions) {
    this.#o = options;
  }

  start(): void {
    const { registry } = this.#o;
    for (const entry of registry.entries()) registry.watchConnection(entry, () => this.#reconcileSoon(entry));
    for (const entry of registry.entries()) void this.#connect(entry);
  }

  /** The last reconciliation report of each venue account. */
  reports(): ReconciliationReport[] {
    return [...this.#reports.values()];
  }

  /** Stops retrying; resolves once the reconciliations in progress ended. */
  async stop(): Promise<void> {
    this.#stop.abort();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await Promise.allSettled(this.#reconciling.values());
  }

  /**
   * Reconciles these venue accounts now (after any run in progress), once, without retrying;
   * resolves to each run's report. A venue that is not connected is reported as an error.
   */
  async reconcileNow(entries: readonly VenueEntry[]): Promise<ReconciliationReport[]> {
    const reports: ReconciliationReport[] = [];
    for (const entry of entries) {
      const previous = this.#reconciling.get(entry.key) ?? Promise.resolve();
      const run = previous.then(async () => {
        if (this.#o.registry.status(entry).connection.status !== 'connected') {
          throw new Error(`${entry.key} is not connected: it is reconciled as soon as it is`);
        }
        const report = await this.#o.reconcile(entry);
        this.#reports.set(entry.key, report);
        return report;
      });
      this.#reconciling.set(
        entry.key,
        run.then(
          () => undefined,
          () => undefined,
        ),
      );
      reports.push(await run);
    }
    return reports;
  }

  /** The next periodic run of this account, `intervalMs` after the last one ended. */
  #scheduleNext(entry: VenueEntry): void {
    const intervalMs = this.#o.intervalMs ?? 60_000;
    if (intervalMs <= 0 || this.#stop.signal.aborted) return;
    clearTimeout(this.#timers.get(entry.key));
    const timer = setTimeout(() => {
      this.#timers.delete(entry.key);
      this.#reconcileSoon(entry);
    }, intervalMs);
    timer.unref();
    this.#timers.set(entry.key, timer);
  }

  #connect(entry: VenueEntry): Promise<unknown> {
    return retryWithBackoff(() => entry.adapter.connect(), {
      backoff: this.#o.connectBackoff ?? { initialDelayMs: 1_000, maxDelayMs: 30_000 },
      signal: this.#stop.signal,
      onFailure: (error, _failures, delay) =>
        this.#o.logger.warn(
          { err: error, venue: entry.key, retryInMs: Math.round(delay) },
          'cannot connect to the venue; it stays paused',
        ),
    });
  }

  #reconcileSoon(entry: VenueEntry): void {
    const { registry, logger } = this.#o;
    const previous = this.#reconciling.get(entry.key) ?? Promise.resolve();
    const connected = () => registry.status(entry).connection.status === 'connected';
    const next = previous.then(() =>
      retryWithBackoff(
        async () => {
          if (!connected() || this.#stop.signal.aborted) return;
          this.#reports.set(entry.key, await this.#o.reconcile(entry));
        },
        {
          backoff: this.#o.reconcileBackoff ?? { initialDelayMs: 500, maxDelayMs: 30_000 },
          signal: this.#stop.signal,
          onFailure: (error, failures) =>
            logger.error(
              { err: error, venue: entry.key, attempt: failures - 1 },
              'reconciliation failed; the venue stays paused, retrying',
            ),
        },
      ).then(() => undefined),
    );
    this.#reconciling.set(
      entry.key,
      next.finally(() => this.#scheduleNext(entry)),
    );
  }
}
