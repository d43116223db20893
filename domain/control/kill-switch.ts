import { z } from 'zod';
import { assertNever } from '../assert-never.ts';

/**
 * The kill switch: while engaged, no new order is accepted (cancels and closes still are). It is
 * an aggregate of its own, stream `control-kill-switch`, so who engaged it, when and why is in the
 * audit trail and survives restarts.
 */
export const KILL_SWITCH_STREAM = 'control-kill-switch';

export const KillSwitchCommandSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('EngageKillSwitch'),
      data: z.object({ reason: z.string().min(1).max(500), by: z.string().max(200) }).strict(),
    })
    .strict(),
  z
    .object({
      type: z.literal('ReleaseKillSwitch'),
      data: z.object({ reason: z.string().min(1).max(500), by: z.string().max(200) }).strict(),
    })
    .strict(),
]);
export type KillSwitchCommand = z.output<typeof KillSwitchCommandSchema>;

export const KillSwitchEventSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('KillSwitchEngaged'),
      data: z.object({ reason: z.string(), by: z.string() }).strict(),
    })
    .strict(),
  z
    .object({
      type: z.literal('KillSwitchReleased'),
      data: z.object({ reason: z.string(), by: z.string() }).strict(),
    })
    .strict(),
]);
export type KillSwitchEvent = z.output<typeof KillSwitchEventSchema>;

export interface KillSwitchState {
  engaged: boolean;
  reason: string | undefined;
  by: string | undefined;
}

export const killSwitchInitial: KillSwitchState = { engaged: false, reason: undefined, by: undefined };

/** Engaging an engaged switch (or releasing a released one) records nothing. */
export function decideKillSwitch(command: KillSwitchCommand, state: KillSwitchState): KillSwitchEvent[] {
  switch (command.type) {
    case 'EngageKillSwitch':
      return state.engaged ? [] : [{ type: 'KillSwitchEngaged', data: command.data }];
    case 'ReleaseKillSwitch':
      return state.engaged ? [{ type: 'KillSwitchReleased', data: command.data }] : [];
    default:
      return assertNever(command, 'kill switch command');
  }
}

export function evolveKillSwitch(_state: KillSwitchState, event: KillSwitchEvent): KillSwitchState {
  switch (event.type) {
    case 'KillSwitchEngaged':
      return { engaged: true, reason: event.data.reason, by: event.data.by };
    case 'KillSwitchReleased':
      return killSwitchInitial;
    default:
      return assertNever(event, 'kill switch event');
  }
}
