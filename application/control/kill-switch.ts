import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  decideKillSwitch,
  evolveKillSwitch,
  KILL_SWITCH_STREAM,
  type KillSwitchCommand,
  type KillSwitchEvent,
  KillSwitchEventSchema,
  type KillSwitchState,
  killSwitchInitial,
} from '../../domain/control/kill-switch.ts';
import { type Decider, handleCommand, loadStream, type StreamState } from '../command-handler.ts';
import { eventIdFor } from '../orders/ids.ts';
import type { EventStore } from '../ports/event-store.ts';

const killSwitchDecider: Decider<KillSwitchCommand, KillSwitchEvent, KillSwitchState> = {
  initialState: killSwitchInitial,
  decide: decideKillSwitch,
  evolve: evolveKillSwitch,
  decode: (recorded) => KillSwitchEventSchema.parse({ type: recorded.type, data: recorded.data }),
};

export interface KillSwitchOptions<P> {
  store: EventStore<P>;
  logger: Logger;
  now: () => number;
}

/**
 * The kill switch as this process knows it: loaded from its stream at start, changed through the
 * generic command handler (so a concurrent change by another process is read and decided again).
 */
export class KillSwitch<P> {
  readonly #o: KillSwitchOptions<P>;
  #current: StreamState<KillSwitchState> = { state: killSwitchInitial, revision: 'no_stream' };

  constructor(options: KillSwitchOptions<P>) {
    this.#o = options;
  }

  async start(): Promise<void> {
    this.#current = await loadStream(this.#o.store, KILL_SWITCH_STREAM, killSwitchDecider);
  }

  get state(): KillSwitchState {
    return this.#current.state;
  }

  /**
   * Engages or releases the switch; recording nothing when it already is so. Returns the state and
   * the id of the event it recorded (the cause of whatever follows from it).
   */
  async set(
    engaged: boolean,
    reason: string,
    by: string,
  ): Promise<{ state: KillSwitchState; eventId?: string }> {
    const commandId = randomUUID();
    const recordedAt = new Date(this.#o.now()).toISOString();
    const command: KillSwitchCommand = engaged
      ? { type: 'EngageKillSwitch', data: { reason, by } }
      : { type: 'ReleaseKillSwitch', data: { reason, by } };
    const handled = await handleCommand(
      {
        store: this.#o.store,
        envelope: (_event, i) => ({
          id: eventIdFor(commandId, i),
          metadata: { commandId, recordedAt, source: 'client', by },
        }),
      },
      KILL_SWITCH_STREAM,
      killSwitchDecider,
      command,
      this.#current,
    );
    this.#current = handled;
    if (handled.events.length > 0) {
      this.#o.logger.warn(
        { killSwitch: handled.state },
        engaged ? 'kill switch engaged' : 'kill switch released',
      );
    }
    return handled.events.length > 0
      ? { state: handled.state, eventId: eventIdFor(commandId, 0) }
      : { state: handled.state };
  }
}
