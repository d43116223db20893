import { openPgliteEventStore } from '../../adapters/event-store/pglite/pglite-event-store.ts';
import { eventStoreContract } from './contract.ts';

eventStoreContract(
  'PGlite (in memory)',
  async () => ({
    store: await openPgliteEventStore({}, { backoff: { initialDelayMs: 10, maxDelayMs: 200 } }),
    teardown: async () => undefined,
  }),
  {
    notApplicable: {
      concurrency: 'PGlite is one connection in one process: appends never run concurrently',
      gap: 'one connection: no transaction can stay open while another commits',
      resubscribe:
        'in-process, no connection to break; the shared resubscription is covered on PostgreSQL and in resubscribe.unit.test.ts',
    },
  },
);
