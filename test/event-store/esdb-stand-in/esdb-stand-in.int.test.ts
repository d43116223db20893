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

  describe('a filtered subscription places checkpoints as EventStoreDB 24.x to 26.x do', () => {
    /** Subscribes with a type filter from `fromPosition`; resolves with the checkpoints up to caught-up. */
    const catchUpCheckpoints = async (
      client: EventStoreDBClient,
      fromPosition: Position | typeof START,
      regex: string,
    ) => {
      const checkpoints: Position[] = [];
      const subscription = client.subscribeToAll({
        fromPosition,
        filter: eventTypeFilter({ regex, checkpointReached: (_, p) => void checkpoints.push(p) }),
      });
      await new Promise((resolve) => subscription.once('caughtUp', resolve));
      return { checkpoints, subscription };
    };

    it('in catch-up: every 32 events considered, at the start of the page being read, and at the end never past the filtered-out events that end the log', async () => {
      // Given 70 events that the filter leaves out, after the position the subscription starts from
      const { client } = await open();
      const before = (await client.appendToStream('start', events(1, 'Start'))).position!;
      await client.appendToStream('noise', events(70, 'Noise'));
      const noise = (await readAll(client, before)).slice(1).map((e) => e.event!.position!);

      // When subscribing with an event-type filter that matches none of them
      const { checkpoints, subscription } = await catchUpCheckpoints(client, before, '^Wanted$');
      await subscription.unsubscribe();

      // Then pages of 32: the first (the start and 31 events) checkpoints where it started, the
      // second at its start (N, 0), and the last, which ends the log, at its start too
      expect(checkpoints).toEqual([
        before,
        { commit: noise[31]!.commit, prepare: 0n },
        { commit: noise[63]!.commit, prepare: 0n },
      ]);
      expect(noise.every((p) => p.commit === p.prepare)).toBe(true);
    });

    it('in catch-up: at the last event sent when the page that sent it ends the log', async () => {
      const { client } = await open();
      const before = (await client.appendToStream('start', events(1, 'Start'))).position!;
      await client.appendToStream('noise-1', events(5, 'Noise'));
      const wanted = (await client.appendToStream('wanted', events(1, 'Wanted'))).position!;
      await client.appendToStream('noise-2', events(5, 'Noise'));

      const { checkpoints, subscription } = await catchUpCheckpoints(client, before, '^Wanted$');
      await subscription.unsubscribe();

      expect(checkpoints).toEqual([wanted]);
    });

    it('live: at every 32nd matching event, whatever the filtered-out events in between', async () => {
      // Given a caught-up subscription
      const { client } = await open();
      const { checkpoints, subscription } = await catchUpCheckpoints(client, START, '^Wanted$');
      const caughtUp = checkpoints.length;
      let received = 0;
      const all = new Promise((resolve) =>
        subscription.on('data', () => {
          if (++received === 40) resolve(received);
        }),
      );

      // When 40 matching events arrive live, with noise between them
      for (let i = 0; i < 40; i++) {
        await client.appendToStream('noise', events(3, 'Noise'));
        await client.appendToStream('wanted', events(1, 'Wanted'));
      }
      await all;
      await subscription.unsubscribe();

      // Then one live checkpoint, at the 32nd matching event
      const wanted = (await readAll(client)).filter((e) => e.event!.type === 'Wanted');
      expect(checkpoints.slice(caughtUp)).toEqual([wanted[31]!.event!.position]);
    });

    it('from the start, matching nothing: the first record (0, 0) when fixed, (2^64-1, 2^64-1) on servers with KDB-710', async () => {
      for (const kdb710 of [false, true]) {
        const { client } = await open({ kdb710 });
        await client.appendToStream('noise', events(3, 'Noise'));
        const { checkpoints, subscription } = await catchUpCheckpoints(client, START, '^Wanted$');
        await subscription.unsubscribe();
        const end = 2n ** 64n - 1n;
        expect(checkpoints).toEqual([kdb710 ? { commit: end, prepare: end } : { commit: 0n, prepare: 0n }]);
      }
    });
  });

  it('refuses a BatchAppend whose deadline has passed on arrival with a timeout, writing nothing', async () => {
    const { client } = await open({ batchAppend: true });
    await expect(client.appendToStream('late', events(1, 'T'), { deadline: 0 })).rejects.toMatchObject({
      type: 'deadline-exceeded',
    });
    await expect(readAll(client)).resolves.toHaveLength(1);
  });

  it('answers not-ready and busy as the server does: an unknown error on BatchAppend, UNAVAILABLE on Append', async () => {
    for (const batchAppend of [true, false]) {
      const { standIn, client } = await open({ batchAppend });
      standIn.failNextAppend({ kind: 'not-ready' });
      standIn.failNextAppend({ kind: 'busy' });
      const expected = (message: string) =>
        batchAppend
          ? { type: 'unknown', message: `Could not recognize ${message}` }
          : { type: 'unavailable' };
      await expect(client.appendToStream('s', events(1, 'T'))).rejects.toMatchObject(
        expected('Server Is Not Ready'),
      );
      await expect(client.appendToStream('s', events(1, 'T'))).rejects.toMatchObject(
        expected('Server Is Busy'),
      );
    }
  });

  it('a restart ends the subscriptions and forgets recent ids: an any retry writes again, the log stays', async () => {
    const { standIn, client } = await open();
    const batch = events(2, 'T');
    await client.appendToStream('s', batch);
    const subscription = client.subscribeToAll({ fromPosition: START });
    const ended = new Promise((resolve) => subscription.once('error', resolve));
    await new Promise((resolve) => subscription.once('confirmation', resolve));

    standIn.restart();

    await expect(ended).resolves.toMatchObject({ type: 'unavailable' });
    await client.appendToStream('s', batch);
    expect((await readAll(client)).filter((e) => e.event?.streamId === 's')).toHaveLength(4);
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
