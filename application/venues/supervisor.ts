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
}

/**
 * Supervises the venue connections: connects every venue (retrying with the backoff while it cannot
 * be reached; it stays paused meanwhile), and reconciles each venue account on every (re)connect,
 * one run at a time per account, retrying a failed run while the venue stays connected.
 */
export class VenueSupervisor {
  readonly #o: VenueSupervisorOptions;
  readonly #reports = new Map<string, ReconciliationReport>();
  readonly #reconciling = new Map<string, Promise<void>>();
  readonly #stop = new AbortController();

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
    await Promise.allSettled(this.#reconciling.values());
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
    this.#reconciling.set(entry.key, next);
  }
}
