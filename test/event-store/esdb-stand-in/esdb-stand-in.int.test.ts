import { randomUUID } from 'node:crypto';
import {
  type AllStreamResolvedEvent,
  EventStoreDBClient,
  eventTypeFilter,
  jsonEvent,
  type Position,
  START,
} from '@eventstore/db-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type EsdbStandIn, type EsdbStandInOptions, startEsdbStandIn } from './server.ts';

/**
 * The stand-in as the real client sees it (`@eventstore/db-client`, no adapter in between): the
 * behaviours of EventStoreDB it reproduces beyond what the contract suite reaches.
 */

const opened: { standIn: EsdbStandIn; client: EventStoreDBClient }[] = [];
const open = async (options: EsdbStandInOptions = {}) => {
  const standIn = await startEsdbStandIn(options);
  const client = EventStoreDBClient.connectionString(standIn.connectionString);
  opened.push({ standIn, client });
  return { standIn, client };
};
afterEach(async () => {
  for (const { standIn, client } of opened.splice(0)) {
    await client.dispose();
    await standIn.close();
  }
});

const events = (n: number, type: string) =>
  Array.from({ length: n }, (_, i) => jsonEvent({ id: randomUUID(), type, data: { i } }));

const readAll = async (client: EventStoreDBClient, fromPosition: Position | typeof START = START) => {
  const all: AllStreamResolvedEvent[] = [];
  for await (const resolved of client.readAll({ fromPosition })) all.push(resolved);
  return all;
};

describe('the EventStoreDB stand-in, through the real client', () => {
  it('starts with a system event in $all, before any event of ours, never at position 0', async () => {
    const { client } = await open();
    const [first] = await readAll(client);
    expect(first?.event).toMatchObject({ streamId: '$epoch-information', type: '$epoch-information' });
    expect(first?.event?.position?.commit).toBeGreaterThan(0n);
  });

  it('refuses to read $all from a position where no record starts', async () => {
    const { client } = await open();
    const result = await client.appendToStream('s', events(2, 'T'));
    const inside = { commit: result.position!.prepare + 1n, prepare: result.position!.prepare };
    await expect(readAll(client, inside)).rejects.toMatchObject({ code: 3, type: 'unknown' });
  });

  it('tells a position from one with its prepare part dropped or swapped (a broken mapping shows)', async () => {
    // Given three events appended together: they share a commit position, not a prepare position
    const { client } = await open({ positionLayout: 'commit-record' });
    await client.appendToStream('s', events(3, 'T'));
    const [, second] = (await readAll(client)).slice(1).map((e) => e.event!.position!);

    // Then reading from the second event's position gives it and the third...
    expect((await readAll(client, second)).map((e) => e.event!.revision)).toEqual([1n, 2n]);
    // ...from the same commit without its prepare part, none of the three...
    expect(await readAll(client, { commit: second!.commit, prepare: second!.commit })).toEqual([]);
    // ...and with the two parts swapped, a refusal
    await expect(readAll(client, { commit: second!.prepare, prepare: second!.commit })).rejects.toMatchObject(
      {
        code: 3,
      },
    );
  });

  it('a filtered subscription checkpoints every 32 events considered, and once more when caught up', async () => {
    // Given 70 events that the filter leaves out, after the position the subscription starts from
    const { client } = await open();
    const before = (await client.appendToStream('start', events(1, 'Start'))).position!;
    await client.appendToStream('noise', events(70, 'Noise'));
    const noise = (await readAll(client, before)).slice(1).map((e) => e.event!.position!);

    // When subscribing with an event-type filter that matches none of them
    const checkpoints: Position[] = [];
    const subscription = client.subscribeToAll({
      fromPosition: before,
      filter: eventTypeFilter({ regex: '^Wanted$', checkpointReached: (_, p) => void checkpoints.push(p) }),
    });
    await new Promise((resolve) => subscription.once('caughtUp', resolve));
    await subscription.unsubscribe();

    // Then checkpoints come at the 32nd and 64th events, and at the last one before caught-up
    expect(checkpoints).toEqual([noise[31], noise[63], noise[69]]);
  });

  it('servers before 23.10 send no caught-up message: live events come without one', async () => {
    const { client } = await open({ serverVersion: '23.6.0' });
    const kinds: string[] = [];
    const subscription = client.subscribeToAll({ fromPosition: START });
    subscription.on('caughtUp', () => kinds.push('caughtUp'));
    const live = new Promise((resolve) =>
      subscription.on('data', (e: AllStreamResolvedEvent) => {
        kinds.push(e.event!.type);
        if (e.event?.type === 'Live') resolve(e);
      }),
    );
    await new Promise((resolve) => subscription.once('confirmation', resolve));
    await client.appendToStream('s', events(1, 'Live'));
    await live;
    await subscription.unsubscribe();
    expect(kinds).toEqual(['$epoch-information', 'Live']);
  });
});
