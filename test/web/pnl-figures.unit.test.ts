import { describe, expect, it } from 'vitest';
import { pnlDays, statementsCsv } from '../../adapters/web/page/pnl-figures.ts';
import type { DailyStatement } from '../../application/ports/queries.ts';

const day = (d: string, figures: Partial<DailyStatement> = {}): DailyStatement => ({
  venue: 'bitget',
  account: 'main',
  currency: 'USDT',
  day: d,
  opening: '0',
  trading: '0',
  fees: '0',
  funding: '0',
  settlement: '0',
  transfers: '0',
  other: '0',
  closing: '0',
  venueClosing: null,
  movements: 1,
  ...figures,
});

describe('the PnL page figures (chart, table and CSV from one computation)', () => {
  it('Given daily statements out of order, Then each day is trading − fees + funding + settlement and the cumulative adds up exactly', () => {
    const days = pnlDays([
      day('2026-12-02', { trading: '0.2', fees: '0.1', funding: '-0.3', settlement: '0' }),
      day('2026-12-01', {
        trading: '0.1',
        fees: '0.000000000000000000000000000001',
        funding: '0',
        settlement: '1',
      }),
    ]);
    expect(days.map((d) => d.day)).toEqual(['2026-12-01', '2026-12-02']);
    // fees are a cost: negative in the PnL
    expect(days[0]!.parts).toEqual({
      trading: '0.1',
      fees: '-0.000000000000000000000000000001',
      funding: '0',
      settlement: '1',
    });
    expect(days[0]!.total).toBe('1.099999999999999999999999999999');
    // 0.1 + 0.2 in decimals, never 0.30000000000000004
    expect(days[1]!.total).toBe('-0.2');
    expect(days[1]!.cumulative).toBe('0.899999999999999999999999999999');
  });

  it('Given statements of two venue accounts, When exported, Then the CSV carries the API strings as they are, a running total per account, oldest first', () => {
    const csv = statementsCsv([
      day('2026-12-02', { trading: '1.5', fees: '0.25' }),
      { ...day('2026-12-01', { fees: '0.0001', funding: '-0.00005' }), venue: 'deribit', currency: 'BTC' },
      day('2026-12-01', { trading: '-0.5', venueClosing: '100.123456789' }),
    ]);
    expect(csv.split('\r\n')).toEqual([
      'venue,account,currency,day,opening,trading,fees,funding,settlement,transfers,other,closing,venueClosing,movements,pnl,cumulativePnl',
      'bitget,main,USDT,2026-12-01,0,-0.5,0,0,0,0,0,0,100.123456789,1,-0.5,-0.5',
      'bitget,main,USDT,2026-12-02,0,1.5,0.25,0,0,0,0,0,,1,1.25,0.75',
      'deribit,main,BTC,2026-12-01,0,0,0.0001,-0.00005,0,0,0,0,,1,-0.00015,-0.00015',
      '',
    ]);
  });
});
