import { z } from 'zod';
import type {
  CashWindow,
  UnreadableItem,
  VenueAdapter,
  VenueCashMovement,
} from '../../../application/ports/venue.ts';
import type { Decimal } from '../../../domain/decimal.ts';
import type { CashMovementKind } from '../../../domain/ledger/ledger.ts';
import { readEach } from '../read-each.ts';
import { parseReply } from './errors.ts';
import type { DeribitContext } from './options.ts';
import { describeIssues, WireDecimal, WireId, WireInt } from './schemas.ts';
import type { RpcReply } from './ws-rpc.ts';

/**
 * Deribit's cash log for the back office: `private/get_transaction_log` (one entry per cash
 * movement: trades' fees, the daily settlement of futures' session PnL and perpetuals' funding,
 * deliveries, deposits, withdrawals, transfers, corrections), read a window at a time, every page
 * (`continuation`), and handed over oldest first as the port's cash movements. Fields and their
 * meaning: the OpenAPI file's `transaction_log` (`change` is the cash change; `interest_pl` the
 * funding of a settlement; `balance` the cash balance after it; `user_seq` the account's sequence).
 */

const optionalDecimal = WireDecimal.nullish().transform((v) => v ?? undefined);
const optionalId = WireId.nullish().transform((v) => v ?? undefined);

export const WireTransactionLogSchema = z.looseObject({
  id: WireId,
  user_seq: WireId,
  currency: z.string().min(1),
  type: z.string().min(1),
  timestamp: WireInt,
  change: WireDecimal,
  balance: optionalDecimal,
  commission: optionalDecimal,
  interest_pl: optionalDecimal,
  price: optionalDecimal,
  settlement_price: optionalDecimal,
  instrument_name: z
    .string()
    .nullish()
    .transform((v) => v ?? undefined),
  trade_id: optionalId,
  order_id: optionalId,
});

const TransactionLogPageSchema = z.looseObject({
  logs: z
    .array(z.unknown())
    .nullish()
    .transform((v) => v ?? []),
  continuation: WireId.nullish().transform((v) => v ?? undefined),
});

/** Deribit's `type` in our words; a type the documents may add later is `other` (kept with its name). */
const KINDS: Readonly<Record<string, CashMovementKind>> = {
  trade: 'trade',
  settlement: 'settlement',
  delivery: 'delivery',
  deposit: 'deposit',
  withdrawal: 'withdrawal',
  transfer: 'transfer',
  correction: 'correction',
  liquidation: 'liquidation',
};

/** A delivery's (or a settlement's) price: `settlement_price`, else `price`. */
const priceOf = (log: { price?: Decimal | undefined; settlement_price?: Decimal | undefined }) => {
  const price = log.settlement_price ?? log.price;
  return price === undefined ? {} : { price };
};

/** Entries asked for per page (the method's maximum). */
const COUNT = 250;

type Request = (method: string, params: Record<string, unknown>) => Promise<RpcReply>;

export function createDeribitCashLog(
  { account, logger, unreadable }: DeribitContext,
  request: Request,
  instruments: VenueAdapter['instruments'],
): Required<Pick<VenueAdapter, 'cashMovements' | 'cashCurrencies'>> {
  const method = 'private/get_transaction_log';

  const movementOf = (log: z.output<typeof WireTransactionLogSchema>, raw: unknown): VenueCashMovement => {
    const kind = KINDS[log.type] ?? 'other';
    return {
      venue: 'deribit',
      account,
      currency: log.currency,
      venueEntryId: log.id,
      venueSeq: log.user_seq,
      venueType: log.type,
      kind,
      change: log.change,
      ...(kind === 'settlement' && log.interest_pl !== undefined && { funding: log.interest_pl }),
      ...(log.commission !== undefined && !log.commission.isZero() && { fee: log.commission }),
      ...(log.balance !== undefined && { balanceAfter: log.balance }),
      ...(kind === 'delivery' || kind === 'settlement' ? priceOf(log) : {}),
      ...(log.instrument_name !== undefined && { symbol: log.instrument_name }),
      ...(log.trade_id !== undefined && { tradeId: log.trade_id }),
      ...(log.order_id !== undefined && { venueOrderId: log.order_id }),
      at: new Date(log.timestamp).toISOString(),
      raw: JSON.parse(JSON.stringify(raw)),
    };
  };

  async function cashMovements(window: CashWindow): Promise<VenueCashMovement[]> {
    const movements: VenueCashMovement[] = [];
    const base = {
      currency: window.currency,
      start_timestamp: window.fromMs,
      end_timestamp: window.toMs,
      count: COUNT,
    };
    let continuation: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const reply = await request(method, { ...base, ...(continuation !== undefined && { continuation }) });
      const parsed = parseReply(TransactionLogPageSchema, reply.result, method);
      const options = {
        venue: 'deribit',
        account,
        what: 'cash',
        source: method,
        describe: describeIssues,
      } as const;
      const read = readEach(parsed.logs, WireTransactionLogSchema, options, (log, raw) => [
        movementOf(log, raw),
      ]);
      for (const item of read.unreadable)
        logger.error({ method, issues: item.error }, 'deribit: unreadable log entry');
      unreadable(read.unreadable as UnreadableItem[]);
      movements.push(...read.items);
      if (continuation !== undefined && parsed.continuation === continuation) break;
      continuation = parsed.continuation;
      if (continuation === undefined || parsed.logs.length === 0) break;
    }
    // Deribit lists newest first; the port wants oldest first.
    return movements.sort((a, b) => a.at.localeCompare(b.at) || Number(a.venueSeq) - Number(b.venueSeq));
  }

  async function cashCurrencies(): Promise<string[]> {
    const listed = await instruments();
    return [...new Set(listed.map((i) => i.settlementCurrency))].sort();
  }

  return { cashMovements, cashCurrencies };
}
