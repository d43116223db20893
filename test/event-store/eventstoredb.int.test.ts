import { describe, it } from 'vitest';
import { openEventStoreDbEventStore } from '../../adapters/event-store/eventstoredb/eventstoredb-event-store.ts';
import { testEventStoreDb } from '../support/eventstoredb.ts';
import { eventStoreContract } from './contract.ts';

const server = await testEventStoreDb();

if (server.available) {
  eventStoreContract(
    'EventStoreDB',
    async () => ({
      store: openEventStoreDbEventStore(
        { connectionString: server.connectionString },
        { backoff: { initialDelayMs: 10, maxDelayMs: 500 } },
      ),
      teardown: () => server.stop(),
    }),
    {
      notApplicable: {
        gap: 'EventStoreDB orders $all by its own log: commits cannot land behind a read position',
        resubscribe:
          'needs a server that drops the subscription on demand: covered against the gRPC stand-in (eventstoredb-stand-in.int.test.ts)',
      },
    },
  );
} else {
  console.warn(`EventStoreDB event store contract skipped: ${server.reason}`);
  describe(`EventStoreDB event store (contract)`, () => {
    it.skip(`skipped: ${server.reason}`, () => undefined);
  });
}
