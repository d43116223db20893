import { type Decimal, parseDecimal } from '../../domain/decimal.ts';
import type { DurableSimVenue } from './durable-venue.ts';
import type { DecimalInput, LocalDeribit } from './options.ts';
import type { BookSettings, SimAccount } from './venue.ts';

/**
 * What tests (and the service's simulations) drive the local Deribit with: its market, the
 * accounts' cash, and what the simulator holds. Each call first lets the venue process what is due
 * by the clock (`tick`), and records what it changed (`remember`) like a request does.
 */

type Controls = Pick<
  LocalDeribit,
  | 'setIndexPrice'
  | 'setMarkPrice'
  | 'markPrice'
  | 'quotes'
  | 'setBook'
  | 'trade'
  | 'fillEach'
  | 'orders'
  | 'trades'
  | 'positions'
  | 'deposit'
  | 'withdraw'
  | 'transfer'
  | 'catchUp'
>;

export function controlSurface(
  venue: DurableSimVenue,
  accounts: readonly SimAccount[],
  tick: () => void,
  remember: () => void,
): Controls {
  const toDecimal = (value: DecimalInput): Decimal =>
    typeof value === 'string' ? parseDecimal(value) : value;
  /** An account by client id or name (the first one when not given). */
  const accountIdOf = (key?: string): number => {
    const account =
      key === undefined ? accounts[0] : accounts.find((a) => a.clientId === key || a.name === key);
    if (account === undefined) throw new Error(`no account for ${key}`);
    return account.id;
  };
  /** Runs a control after the venue caught up with the clock, and journals what it changed. */
  const run = <T>(control: () => T): T => {
    tick();
    const result = control();
    remember();
    return result;
  };
  return {
    setIndexPrice: (indexName, price) => run(() => venue.setIndexPrice(indexName, toDecimal(price))),
    setMarkPrice: (instrument, price, o) =>
      run(() =>
        venue.setMarkPrice(
          instrument,
          toDecimal(price),
          o?.fillLimit === undefined ? undefined : toDecimal(o.fillLimit),
        ),
      ),
    markPrice: (instrument) => venue.mark(instrument),
    quotes: (instrument) => venue.quotes(instrument),
    setBook: (instrument, settings) => {
      const next: Partial<BookSettings> = {
        ...(settings.levelDepth !== undefined && { levelDepth: toDecimal(settings.levelDepth) }),
        ...(settings.spreadTicks !== undefined && { spreadTicks: settings.spreadTicks }),
        ...(settings.levels !== undefined && { levels: settings.levels }),
      };
      run(() => venue.setBook(instrument, next));
    },
    trade: (instrument, order) =>
      run(() =>
        venue.trade(
          instrument,
          order.side,
          toDecimal(order.amount),
          order.price === undefined ? undefined : toDecimal(order.price),
        ),
      ),
    fillEach: (instrument, amount, side) => run(() => venue.fillEach(instrument, toDecimal(amount), side)),
    orders: (clientId) => venue.accountOrders(accountIdOf(clientId)),
    trades: (clientId) => venue.accountTrades(accountIdOf(clientId)),
    positions: (clientId) => run(() => venue.positions(accountIdOf(clientId), 'any', undefined)),
    deposit: (account, currency, amount) =>
      run(() => venue.deposit(accountIdOf(account), currency, toDecimal(amount))),
    withdraw: (account, currency, amount) =>
      run(() => venue.withdraw(accountIdOf(account), currency, toDecimal(amount))),
    transfer: (from, to, currency, amount) =>
      run(() => venue.transfer(accountIdOf(from), accountIdOf(to), currency, toDecimal(amount))),
    catchUp: () => run(() => undefined),
  };
}
