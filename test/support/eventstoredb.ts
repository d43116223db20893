import { containerEngineAvailable } from './container-engine.ts';

/**
 * An EventStoreDB (KurrentDB) server for the adapter's tests: `EVENTSTORE_CONNECTION_STRING` when
 * set, else a container through testcontainers when an engine runs, else a skip reason.
 * Tests share one server, so they must use unique stream names (the contract suite does).
 */
export type TestEventStoreDb =
  | { readonly available: true; readonly connectionString: string; stop(): Promise<void> }
  | { readonly available: false; readonly reason: string };

/** The version docker-compose.yml pins (see the reason there). */
export const KURRENTDB_IMAGE = process.env.KURRENTDB_IMAGE ?? 'kurrentplatform/kurrentdb:26.1.1';

export const testEventStoreDb = async (): Promise<TestEventStoreDb> => {
  const given = process.env.EVENTSTORE_CONNECTION_STRING;
  if (given) return { available: true, connectionString: given, stop: async () => undefined };
  if (containerEngineAvailable()) {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer(KURRENTDB_IMAGE)
      .withCommand(['--insecure', '--mem-db', '--run-projections=None'])
      .withExposedPorts(2113)
      .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
      .start();
    return {
      available: true,
      connectionString: `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`,
      stop: async () => {
        await container.stop();
      },
    };
  }
  return {
    available: false,
    reason:
      'no EventStoreDB: run `docker compose up -d eventstoredb` and set ' +
      'EVENTSTORE_CONNECTION_STRING=esdb://127.0.0.1:2113?tls=false (or run a container engine for testcontainers)',
  };
};
