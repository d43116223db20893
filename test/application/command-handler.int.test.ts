import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openPgliteEventStore,
  type PgliteEventStore,
} from '../../adapters/event-store/pglite/pglite-event-store.ts';
import { type Decider, handleCommand, loadStream } from '../../application/command-handler.ts';
import { KillSwitch } from '../../application/control/kill-switch.ts';
import { KILL_SWITCH_STREAM } from '../../domain/control/kill-switch.ts';

/** A counter: `Add` appends `Added` unless it would pass the limit (then nothing). */
type Command = { type: 'Add'; by: number; limit: number };
type Event = { type: 'Added'; data: { by: number } };
const counter: Decider<Command, Event, number> = {
  initialState: 0,
  decide: (command, total) =>
    total + command.by > command.limit ? [] : [{ type: 'Added', data: { by: command.by } }],
  evolve: (total, event) => total + event.data.by,
  decode: (recorded) => ({ type: 'Added', data: recorded.data as { by: number } }),
};

let n = 0;
const envelope = () => ({ id: crypto.randomUUID(), metadata: { at: `t${n++}` } });

describe('the generic command handler (read, fold, decide, append at the revision decided on)', () => {
  let store: PgliteEventStore;
  beforeAll(async () => {
    store = await openPgliteEventStore();
  });
  afterAll(async () => {
    await store.close();
  });

  it('given no stream, a command is decided on the initial state and appended with no_stream', async () => {
    const handled = await handleCommand({ store, envelope }, 'counter-a', counter, {
      type: 'Add',
      by: 2,
      limit: 10,
    });

    expect(handled.state).toBe(2);
    expect(handled.revision).toBe(0n);
    expect((await loadStream(store, 'counter-a', counter)).state).toBe(2);
  });

  it('given a state that another writer has since changed, it reads again and decides on the new state', async () => {
    // Given: this caller holds the stream at total 2; another writer adds 7 (total 9).
    const stale = await loadStream(store, 'counter-a', counter);
    await handleCommand({ store, envelope }, 'counter-a', counter, { type: 'Add', by: 7, limit: 10 });

    // When: the caller adds 3 with a limit of 10, deciding first on its stale state (2 + 3 = 5).
    const handled = await handleCommand(
      { store, envelope },
      'counter-a',
      counter,
      { type: 'Add', by: 3, limit: 10 },
      stale,
    );

    // Then: the conflict made it decide again on 9: 9 + 3 passes the limit, nothing is appended.
    expect(handled.events).toEqual([]);
    expect(handled.state).toBe(9);
    expect((await store.readStream('counter-a')).length).toBe(2);
  });

  it('the kill switch is one such aggregate: engaging twice records one event, and another process sees it', async () => {
    const logger = pino({ level: 'silent' });
    const first = new KillSwitch({ store, logger, now: () => 0 });
    const second = new KillSwitch({ store, logger, now: () => 0 });
    await first.start();
    await second.start();

    await first.set(true, 'venue incident', 'ops');
    const again = await second.set(true, 'same incident, seen late', 'ops-2');

    expect(again).toEqual({ state: { engaged: true, reason: 'venue incident', by: 'ops' } });
    const events = await store.readStream(KILL_SWITCH_STREAM);
    expect(events.map((e) => e.type)).toEqual(['KillSwitchEngaged']);
    expect(events[0]?.metadata).toMatchObject({ source: 'client', by: 'ops' });
  });
});
