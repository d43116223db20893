import { parentPort, workerData } from 'node:worker_threads';
import { hostVenues } from './venue-host.ts';
import type { VenueCredentials, VenueOp } from './venue-thread.ts';

/** The local venues in a worker thread of the benchmark process (`startVenueThread`). */
const port = parentPort!;
const venues = await hostVenues(workerData as VenueCredentials);

port.on('message', async (message: { id: number } & VenueOp) => {
  try {
    port.postMessage({ id: message.id, ok: true, value: await venues.run(message) });
  } catch (error) {
    port.postMessage({
      id: message.id,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    });
  }
});
port.postMessage({ ready: venues.urls });
