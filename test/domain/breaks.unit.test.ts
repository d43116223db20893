import { describe, expect, it } from 'vitest';
import {
  type BreakBook,
  type BreakCommand,
  decideBreak,
  emptyBreakBook,
  evolveBreaks,
  notSeenAgain,
} from '../../domain/reconciliation/breaks.ts';

const facts = (overrides: Partial<Extract<BreakCommand, { type: 'OpenBreak' }>['data']> = {}) => ({
  breakId: 'b-1',
  kind: 'position_mismatch' as const,
  subject: 'BTC-PERPETUAL/net',
  symbol: 'BTC-PERPETUAL',
  ours: '30',
  theirs: '0',
  message: 'position BTC-PERPETUAL (net) is 30 here and 0 at the venue',
  foundBy: 'run-1',
  ...overrides,
});

const given = (...commands: BreakCommand[]): BreakBook =>
  commands.reduce((book, c) => decideBreak(c, book).reduce(evolveBreaks, book), emptyBreakBook);

describe('reconciliation breaks (decider)', () => {
  it('a difference found is an open break with both figures', () => {
    const events = decideBreak({ type: 'OpenBreak', data: facts() }, emptyBreakBook);
    expect(events).toEqual([{ type: 'BreakFound', data: facts() }]);
    expect(events.reduce(evolveBreaks, emptyBreakBook).get('b-1')).toMatchObject({
      status: 'open',
      ours: '30',
    });
  });

  it('the same difference found again records nothing; with other figures it is found again', () => {
    const book = given({ type: 'OpenBreak', data: facts() });
    expect(decideBreak({ type: 'OpenBreak', data: facts({ foundBy: 'run-2' }) }, book)).toEqual([]);
    const moved = decideBreak({ type: 'OpenBreak', data: facts({ ours: '20' }) }, book);
    expect(moved).toHaveLength(1);
    expect(moved.reduce(evolveBreaks, book).get('b-1')?.ours).toBe('20');
  });

  it('only an open break can be resolved, and the resolution says who and why', () => {
    const resolve = {
      type: 'ResolveBreak' as const,
      data: { breakId: 'b-1', resolution: 'operator' as const, reason: 'booked by hand', by: 'ops-alice' },
    };
    expect(decideBreak(resolve, emptyBreakBook)).toEqual([]);
    const book = given({ type: 'OpenBreak', data: facts() }, resolve);
    expect(book.get('b-1')).toMatchObject({ status: 'resolved', resolution: { by: 'ops-alice' } });
    expect(decideBreak(resolve, book)).toEqual([]);
  });

  it('a resolved difference seen again is a break again', () => {
    const book = given(
      { type: 'OpenBreak', data: facts() },
      { type: 'ResolveBreak', data: { breakId: 'b-1', resolution: 'evidence', reason: 'agrees', by: 'x' } },
    );
    expect(decideBreak({ type: 'OpenBreak', data: facts() }, book)).toHaveLength(1);
  });

  it('a run closes only the re-checked kinds it no longer sees', () => {
    const book = given(
      { type: 'OpenBreak', data: facts() },
      { type: 'OpenBreak', data: facts({ breakId: 'b-2', kind: 'trade_id_collision', subject: 't-9' }) },
      { type: 'OpenBreak', data: facts({ breakId: 'b-3', subject: 'ETH-PERPETUAL/net' }) },
    );
    expect(notSeenAgain(book, new Set(['b-3'])).map((b) => b.breakId)).toEqual(['b-1']);
  });
});
