import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../../domain/decimal.ts';
import {
  type LedgerTrade,
  matchLedgerToLog,
  type VenueTradeEntry,
} from '../../domain/ledger/trade-matching.ts';

// Our ledger against the venue's transaction log, trade by trade: each venue trade entry matches a
// fill of ours with the same cash, and each fill a venue entry once the log covers its time.

const d = parseDecimal;
const fill = (tradeId: string, cash: string, over: Partial<LedgerTrade> = {}): LedgerTrade => ({
  tradeId,
  orderId: `order-${tradeId}`,
  symbol: 'BTC-PERPETUAL',
  currency: 'BTC',
  at: '2026-11-02T10:00:00.000Z',
  cash: d(cash),
  ...over,
});
const entry = (id: string, change: string, over: Partial<VenueTradeEntry> = {}): VenueTradeEntry => ({
  venueEntryId: id,
  tradeId: undefined,
  symbol: 'BTC-PERPETUAL',
  currency: 'BTC',
  at: '2026-11-02T10:00:00.000Z',
  change: d(change),
  ...over,
});
const coverage = [{ currency: 'BTC', from: '2026-11-02T00:00:00.000Z', to: '2026-11-02T12:00:00.000Z' }];

describe('Deribit: the log names each trade', () => {
  it('given a trade that closed and opened (two log entries) and our fill of it with the same cash, then no difference', () => {
    const differences = matchLedgerToLog(
      [fill('BTC-7', '-0.00003')],
      [entry('1', '-0.00001', { tradeId: 'BTC-7' }), entry('2', '-0.00002', { tradeId: 'BTC-7' })],
      coverage,
    );
    expect(differences).toEqual([]);
  });

  it('given a venue entry off by one unit of the last digit, then a ledger_entry_mismatch with both figures', () => {
    const differences = matchLedgerToLog(
      [fill('BTC-7', '-0.00003')],
      [entry('1', '-0.00003001', { tradeId: 'BTC-7' })],
      coverage,
    );
    expect(differences).toEqual([
      expect.objectContaining({
        kind: 'ledger_entry_mismatch',
        subject: 'BTC/BTC-7',
        orderId: 'order-BTC-7',
        ours: '-0.00003',
        theirs: '-0.00003001',
      }),
    ]);
  });

  it('given our fill inside the span the log covers and no entry of it, then fill_missing_from_venue_log', () => {
    const differences = matchLedgerToLog([fill('BTC-8', '-0.00001')], [], coverage);
    expect(differences).toEqual([
      expect.objectContaining({
        kind: 'fill_missing_from_venue_log',
        subject: 'BTC/BTC-8',
        theirs: 'no entry',
      }),
    ]);
  });

  it('given our fill after the last entry the log has (not read yet), then nothing is missing', () => {
    expect(
      matchLedgerToLog([fill('BTC-9', '-0.1', { at: '2026-11-02T12:00:00.001Z' })], [], coverage),
    ).toEqual([]);
  });

  it('given a trade in the log that we have no fill of, then venue_trade_not_in_ledger', () => {
    const differences = matchLedgerToLog([], [entry('3', '-0.00002', { tradeId: 'BTC-10' })], coverage);
    expect(differences).toEqual([
      expect.objectContaining({ kind: 'venue_trade_not_in_ledger', subject: 'BTC/BTC-10', ours: 'no fill' }),
    ]);
  });
});

describe('Bitget: the bills carry no trade id', () => {
  const usdt = [{ currency: 'USDT', from: '2026-11-02T00:00:00.000Z', to: '2026-11-02T12:00:00.000Z' }];
  const bitget = { symbol: 'BTCUSDT', currency: 'USDT' };

  it('given bills and fills of one instrument in one millisecond, then they are matched by their sums', () => {
    const differences = matchLedgerToLog(
      [fill('a', '116.4', bitget), fill('b', '-0.36', bitget)],
      [entry('901', '-0.36', bitget), entry('902', '116.4', bitget)],
      usdt,
    );
    expect(differences).toEqual([]);
  });

  it('given a bill whose amount differs, then a ledger_entry_mismatch on the instrument and time', () => {
    const differences = matchLedgerToLog([fill('a', '116.4', bitget)], [entry('901', '116.5', bitget)], usdt);
    expect(differences).toEqual([
      expect.objectContaining({
        kind: 'ledger_entry_mismatch',
        subject: 'USDT/BTCUSDT@2026-11-02T10:00:00.000Z',
        ours: '116.4',
        theirs: '116.5',
      }),
    ]);
  });
});
