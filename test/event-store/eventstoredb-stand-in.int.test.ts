import { expect } from 'vitest';
import { openEventStoreDbEventStore } from '../../adapters/event-store/eventstoredb/eventstoredb-event-store.ts';
import { eventStoreContract } from './contract.ts';
import { type EsdbStandInOptions, startEsdbStandIn } from './esdb-stand-in/server.ts';

/**
 * The EventStoreDB adapter through the contract suite on every run, at the wire level: the real
 * client (`@eventstore/db-client`) talks gRPC to a stand-in for EventStoreDB
 * (`esdb-stand-in/`, in memory, on an ephemeral port). A real server is the authority where the two
 * disagree: `eventstoredb.int.test.ts` runs the same suite against one when it is reachable.
 *
 * Two server profiles, so that both client paths and both position layouts are covered:
 * - a current server: appends over BatchAppend; positions from a log with commit records, so that
 *   every event's commit and prepare positions differ;
 * - appends over the older Append RPC; self-committed positions (commit == prepare), what a current
 *   server reports for events appended over gRPC.
 */

const profiles: readonly [string, EsdbStandInOptions][] = [
  ['BatchAppend, commit-record positions', { batchAppend: true, positionLayout: 'commit-record' }],
  ['Append, self-committed positions', { batchAppend: false, positionLayout: 'self-committed' }],
];

for (const [profile, options] of profiles) {
  eventStoreContract(
    `EventStoreDB via the gRPC stand-in (${profile})`,
    async () => {
      const standIn = await startEsdbStandIn(options);
      return {
        store: openEventStoreDbEventStore(
          { connectionString: standIn.connectionString },
          { backoff: { initialDelayMs: 10, maxDelayMs: 200 } },
        ),
        teardown: () => standIn.close(),
        breakSubscriptions: async () => {
          expect(standIn.dropSubscriptions('unavailable')).toBeGreaterThan(0);
        },
      };
    },
    {
      notApplicable: {
        concurrency:
          'the stand-in applies appends one at a time, in arrival order: races need a real server (eventstoredb.int.test.ts)',
        gap: 'EventStoreDB orders $all by its own log: commits cannot land behind a read position',
      },
    },
  );
}
