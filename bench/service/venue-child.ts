import { hostVenues } from './venue-host.ts';
import type { VenueCredentials, VenueOp } from './venue-thread.ts';

/**
 * The local venues in a process of their own (`startVenueProcess`): the benchmark process then
 * holds the service alone, and its CPU time (`process.cpuUsage`) is the OMS's.
 */
const send = (message: unknown) => process.send?.(message);
const venues = await hostVenues(JSON.parse(process.env.BENCH_VENUE_CREDENTIALS ?? '{}') as VenueCredentials);

process.on('message', async (message: { id: number } & VenueOp) => {
  try {
    send({ id: message.id, ok: true, value: await venues.run(message) });
  } catch (error) {
    send({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
// The benchmark went away: so does its venue.
process.on('disconnect', () => process.exit(0));
send({ ready: venues.urls });
