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
 * Three server profiles, so that both client paths, both position layouts and KDB-710 are covered:
 * - a current server: appends over BatchAppend; self-committed positions (commit == prepare), what
 *   a current server reports for events appended over gRPC;
 * - appends over the older Append RPC; positions from a log with commit records, so that every
 *   event's commit and prepare positions differ (a mapping that confuses them fails);
 * - a 24.10.4 server, with bug KDB-710 (a filtered subscription from the start that matches
 *   nothing gets the checkpoint (2^64-1, 2^64-1)).
 */

const profiles: readonly [string, EsdbStandInOptions][] = [
  ['BatchAppend, self-committed positions', { batchAppend: true, positionLayout: 'self-committed' }],
  ['Append, commit-record positions', { batchAppend: false, positionLayout: 'commit-record' }],
  ['24.10.4 with KDB-710', { serverVersion: '24.10.4', kdb710: true }],
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
