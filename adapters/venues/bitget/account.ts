import type { PositionMode } from '../../../domain/order/contract.ts';
import type { BitgetContext } from './context.ts';
import { PATH } from './endpoints.ts';
import { positionModeOf, posModeOf } from './mapping.ts';
import { AccountSchema, SetPositionModeReplySchema } from './wire.ts';
import { SetPositionModeRequestSchema } from './wire-requests.ts';

/**
 * The account's position mode (one-way or hedge): Bitget decides how an order's side reads by it.
 * Configured, or queried from the account endpoint and learned again after a reconnect.
 */
export interface BitgetAccount {
  /** Queries the account's position mode again. */
  refreshPositionMode(): Promise<PositionMode>;
  /** `set-position-mode`; Bitget refuses it while positions or orders exist. */
  setPositionMode(mode: PositionMode): Promise<PositionMode>;
  /** The mode as known, queried when it is not; undefined when the query failed. */
  ensureMode(): Promise<PositionMode | undefined>;
}

export function createBitgetAccount(context: BitgetContext): BitgetAccount {
  const { dataOf, productType, marginCoin } = context;

  async function refreshPositionMode(): Promise<PositionMode> {
    const symbol = context.options.positionModeProbeSymbol ?? 'BTCUSDT';
    const data = await dataOf(
      {
        method: 'GET',
        path: PATH.account,
        group: 'account',
        query: { symbol, productType, marginCoin },
        data: AccountSchema,
      },
      'account query',
    );
    const mode = positionModeOf(data.posMode);
    context.learnMode(mode);
    return mode;
  }

  return {
    refreshPositionMode,
    async setPositionMode(mode) {
      const body = SetPositionModeRequestSchema.parse({ productType, posMode: posModeOf(mode) });
      const data = await dataOf(
        {
          method: 'POST',
          path: PATH.setPositionMode,
          group: 'setPositionMode',
          body,
          data: SetPositionModeReplySchema,
        },
        'set-position-mode',
      );
      const now = positionModeOf(data.posMode);
      context.learnMode(now);
      return now;
    },
    async ensureMode() {
      const known = context.mode();
      if (known !== undefined) return known;
      try {
        return await refreshPositionMode();
      } catch {
        return undefined;
      }
    },
  };
}
