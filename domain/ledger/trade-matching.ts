import { type Decimal, sum } from '../decimal.ts';

/**
 * Our ledger against the venue's transaction log, trade by trade: the daily reconciliation's second
 * comparison (docs/service.md). Our ledger posts each trade from our fill; the venue's log has its
 * own entries for the same cash (Deribit `trade` entries, Bitget trade bills). Each venue trade
 * entry must match one of our fills with the same cash, and each of our fills a venue entry once
 * the log covers its time. A difference either way is a break.
 *
 * The key: the trade id where the venue's entry has one (Deribit's log: `trade_id`; a trade that
 * closes and opens is two entries, summed). Bitget's bills carry no trade id: they are matched by
 * instrument and venue time to the millisecond (a bill's `cTime` is its trade's), the entries and
 * fills of one instrument in one millisecond summed together.
 */

/** One of our fills and the cash our ledger posted for it, in its fee currency. */
export interface LedgerTrade {
  readonly tradeId: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly currency: string;
  readonly at: string;
  readonly cash: Decimal;
}

/** A venue log entry of a trade (or a liquidation). */
export interface VenueTradeEntry {
  readonly venueEntryId: string;
  readonly tradeId: string | undefined;
  readonly symbol: string | undefined;
  readonly currency: string;
  readonly at: string;
  readonly change: Decimal;
}

/** The span of venue time a currency's log covers (its first and last entries, any kind). */
export interface LogCoverage {
  readonly currency: string;
  readonly from: string;
  readonly to: string;
}

export type TradeDifferenceKind =
  | 'ledger_entry_mismatch'
  | 'venue_trade_not_in_ledger'
  | 'fill_missing_from_venue_log';

export interface TradeDifference {
  readonly kind: TradeDifferenceKind;
  /** `<currency>/<trade id>`, or `<currency>/<symbol>@<time>` where the venue gives no trade id. */
  readonly subject: string;
  readonly orderId?: string;
  readonly symbol?: string;
  readonly ours: string;
  readonly theirs: string;
  readonly message: string;
}

const group = <T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
};

const ms = (iso: string) => Date.parse(iso);
const byTime = (f: LedgerTrade) => `${f.currency}/${f.symbol}@${new Date(ms(f.at)).toISOString()}`;

/** Compares one key's fills (ours) with its venue entries (theirs). */
function compare(subject: string, ours: readonly LedgerTrade[], theirs: readonly VenueTradeEntry[]) {
  const cash = sum(ours.map((f) => f.cash));
  const change = sum(theirs.map((e) => e.change));
  const entries = theirs.map((e) => e.venueEntryId).join(', ');
  const trades = ours.map((f) => f.tradeId).join(', ');
  const first = ours[0];
  const symbol = first?.symbol ?? theirs[0]?.symbol;
  const common = { subject, ...(first && { orderId: first.orderId }), ...(symbol && { symbol }) };
  if (ours.length === 0) {
    return {
      ...common,
      kind: 'venue_trade_not_in_ledger' as const,
      ours: 'no fill',
      theirs: change.toString(),
      message: `the venue's log has a trade (${subject}, entries ${entries}) moving cash by ${change}, and our ledger has no fill of it`,
    };
  }
  if (cash.eq(change)) return undefined;
  return {
    ...common,
    kind: 'ledger_entry_mismatch' as const,
    ours: cash.toString(),
    theirs: change.toString(),
    message: `trade ${subject}: our ledger moved cash by ${cash} (fills ${trades}), the venue's log by ${change} (entries ${entries})`,
  };
}

/** Every difference between our fills' cash and the venue's trade entries, per currency. */
export function matchLedgerToLog(
  fills: readonly LedgerTrade[],
  entries: readonly VenueTradeEntry[],
  coverage: readonly LogCoverage[],
): TradeDifference[] {
  const differences: TradeDifference[] = [];
  const matched = new Set<LedgerTrade>();
  const fillsById = group(fills, (f) => `${f.currency}/${f.tradeId}`);
  // 1. Entries with a trade id: by trade id.
  for (const [subject, theirs] of group(
    entries.filter((e) => e.tradeId !== undefined),
    (e) => `${e.currency}/${e.tradeId}`,
  )) {
    const ours = fillsById.get(subject) ?? [];
    for (const f of ours) matched.add(f);
    const difference = compare(subject, ours, theirs);
    if (difference) differences.push(difference);
  }
  // 2. Entries without: by instrument and millisecond, against the fills not matched by id.
  const fillsByTime = group(
    fills.filter((f) => !matched.has(f)),
    byTime,
  );
  for (const [subject, theirs] of group(
    entries.filter((e) => e.tradeId === undefined),
    (e) => `${e.currency}/${e.symbol ?? ''}@${new Date(ms(e.at)).toISOString()}`,
  )) {
    const ours = fillsByTime.get(subject) ?? [];
    for (const f of ours) matched.add(f);
    const difference = compare(subject, ours, theirs);
    if (difference) differences.push(difference);
  }
  // 3. Our fills no venue entry matched, within the span the log covers.
  const spans = new Map(coverage.map((c) => [c.currency, c]));
  for (const f of fills) {
    const span = spans.get(f.currency);
    if (matched.has(f) || span === undefined || ms(f.at) < ms(span.from) || ms(f.at) > ms(span.to)) continue;
    differences.push({
      kind: 'fill_missing_from_venue_log',
      subject: `${f.currency}/${f.tradeId}`,
      orderId: f.orderId,
      symbol: f.symbol,
      ours: f.cash.toString(),
      theirs: 'no entry',
      message: `our fill ${f.tradeId} (${f.symbol}, ${f.at}) moved cash by ${f.cash}, and the venue's log, which covers ${span.from} to ${span.to}, has no entry of it`,
    });
  }
  return differences;
}
