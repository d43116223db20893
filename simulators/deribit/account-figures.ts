import { type Decimal, ZERO } from '../../domain/decimal.ts';
import type { SimInstrument } from './instruments.ts';
import { floatingPnl, sessionRpl, sessionUpl } from './position-accounting.ts';
import type { SimAccount } from './venue-types.ts';

/**
 * An account's figures in one currency, as `private/get_account_summary`, `user.portfolio` and the
 * transaction log's `equity` report them (the OpenAPI file's names):
 * - `balance`: the cash balance, the sum of the transaction log's changes;
 * - `session_rpl`: PnL realized since the last daily settlement (trading and perpetual funding);
 * - `session_upl`: unrealized PnL since the last settlement (from the settlement price, or the
 *   prices of the trades that opened the position since);
 * - `equity` = balance + session_rpl + session_upl (Deribit: session profits are in the equity at
 *   once, in the cash balance at the settlement);
 * - `total_pl`: PnL of the positions since they were opened (against their average price).
 */
export interface CashFigures {
  balance: Decimal;
  sessionRpl: Decimal;
  sessionUpl: Decimal;
  equity: Decimal;
  futuresRpl: Decimal;
  futuresUpl: Decimal;
  optionsRpl: Decimal;
  optionsUpl: Decimal;
  totalPl: Decimal;
  futuresPl: Decimal;
  optionsPl: Decimal;
}

export function cashFigures(
  account: SimAccount,
  currency: string,
  instrumentOf: (name: string) => SimInstrument,
  markOf: (name: string) => Decimal,
): CashFigures {
  const sum = { futuresRpl: ZERO, futuresUpl: ZERO, optionsRpl: ZERO, optionsUpl: ZERO };
  let futuresPl = ZERO;
  let optionsPl = ZERO;
  for (const [name, position] of account.positions) {
    const instrument = instrumentOf(name);
    if (instrument.settlementCurrency !== currency) continue;
    const mark = markOf(name);
    const rpl = sessionRpl(position);
    const upl = sessionUpl(instrument, position, mark);
    const total = floatingPnl(instrument, position, mark).plus(position.realizedPnl);
    if (instrument.kind === 'option') {
      sum.optionsRpl = sum.optionsRpl.plus(rpl);
      sum.optionsUpl = sum.optionsUpl.plus(upl);
      optionsPl = optionsPl.plus(total);
    } else {
      sum.futuresRpl = sum.futuresRpl.plus(rpl);
      sum.futuresUpl = sum.futuresUpl.plus(upl);
      futuresPl = futuresPl.plus(total);
    }
  }
  const balance = account.balances.get(currency) ?? ZERO;
  const rpl = sum.futuresRpl.plus(sum.optionsRpl);
  const upl = sum.futuresUpl.plus(sum.optionsUpl);
  return {
    balance,
    sessionRpl: rpl,
    sessionUpl: upl,
    equity: balance.plus(rpl).plus(upl),
    ...sum,
    totalPl: futuresPl.plus(optionsPl),
    futuresPl,
    optionsPl,
  };
}
