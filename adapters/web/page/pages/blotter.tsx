import { useEffect, useState } from 'preact/hooks';
import type { OrderView } from '../../../../application/orders/order-view.ts';
import { type OrderPage, OrderPageSchema, type OrderSummary } from '../../../../application/ports/queries.ts';
import { VenueSchema } from '../../../../domain/instrument.ts';
import { ORDER_STATUSES } from '../../../../domain/order/transitions.ts';
import type { Session } from '../../../http/api-schemas.ts';
import { api, describeError, query } from '../api.ts';
import { followOrders, type StreamState } from '../stream.ts';
import { Num, ScrollBox, Time } from '../ui.tsx';
import { PlaceOrder } from './place-order.tsx';

interface Filters {
  venue: string;
  account: string;
  symbol: string;
  status: string;
  since: string;
}

const NO_FILTERS: Filters = { venue: '', account: '', symbol: '', status: '', since: '' };
const PAGE_SIZE = 50;

/** Whether an order (from the live stream) belongs in the blotter as filtered. */
function matches(order: OrderSummary, f: Filters): boolean {
  if (f.venue && order.venue !== f.venue) return false;
  if (f.account && order.account !== f.account) return false;
  if (f.symbol && order.symbol !== f.symbol) return false;
  if (f.status && order.status !== f.status) return false;
  if (f.since && (order.createdAt ?? '') < new Date(f.since).toISOString()) return false;
  return true;
}

const fetchPage = (f: Filters, cursor?: string): Promise<OrderPage> =>
  api(
    OrderPageSchema,
    `/v1/orders${query({
      venue: f.venue,
      account: f.account,
      symbol: f.symbol,
      status: f.status,
      since: f.since ? new Date(f.since).toISOString() : undefined,
      limit: String(PAGE_SIZE),
      cursor,
    })}`,
  );

/** The orders, newest first, filtered, a page at a time, kept current by the live stream. */
export function Blotter({ session }: { session: Session }) {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [orders, setOrders] = useState<OrderSummary[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const [stream, setStream] = useState<StreamState>('connecting');
  const [loaded, setLoaded] = useState(false);

  const load = (f: Filters) => {
    fetchPage(f).then(
      (page) => {
        setOrders(page.orders);
        setNext(page.nextCursor);
        setError(undefined);
        setLoaded(true);
      },
      (e: unknown) => setError(describeError(e)),
    );
  };

  // Live: every change of an order arrives as the order now stands; on each (re)connection the
  // first page is read again, so nothing missed while disconnected stays missing.
  useEffect(() => {
    const upsert = (order: OrderView) =>
      setOrders((current) => {
        const at = current.findIndex((o) => o.orderId === order.orderId);
        if (at !== -1) return current.map((o, i) => (i === at ? order : o));
        return matches(order, filters) ? [order, ...current] : current;
      });
    return followOrders(upsert, (state) => {
      setStream(state);
      if (state === 'live') load(filters);
    });
  }, [filters]);

  const more = () => {
    if (next === null) return;
    fetchPage(filters, next).then(
      (page) => {
        setOrders((current) => [...current, ...page.orders]);
        setNext(page.nextCursor);
      },
      (e: unknown) => setError(describeError(e)),
    );
  };

  const apply = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const text = (k: keyof Filters) => String(data.get(k) ?? '').trim();
    setFilters({
      venue: text('venue'),
      account: text('account'),
      symbol: text('symbol'),
      status: text('status'),
      since: text('since'),
    });
  };

  return (
    <section aria-labelledby="blotter-title">
      <h1 id="blotter-title">Blotter</h1>
      <p class="live" role="status" data-testid="stream-state">
        <span class={`dot ${stream}`} aria-hidden="true" />
        {stream === 'live' ? 'Live: updates as orders change' : `Live updates: ${stream}`}
      </p>
      {session.may.trade && <PlaceOrder />}
      <form class="filters" onSubmit={apply} aria-label="Filter orders">
        <label>
          Venue
          <select name="venue">
            <option value="">any</option>
            {VenueSchema.options.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label>
          Account
          <input name="account" maxLength={64} />
        </label>
        <label>
          Instrument
          <input name="symbol" maxLength={64} />
        </label>
        <label>
          Status
          <select name="status">
            <option value="">any</option>
            {ORDER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replaceAll('_', ' ')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Created since
          <input name="since" type="datetime-local" step={1} />
        </label>
        <button type="submit">Apply</button>
      </form>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <ScrollBox label="Orders table, scrolls sideways">
        <table class="stack">
          <caption class="sr-only">Orders, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Created (UTC)</th>
              <th scope="col">Venue</th>
              <th scope="col">Account</th>
              <th scope="col">Instrument</th>
              <th scope="col">Side</th>
              <th scope="col">Type</th>
              <th scope="col" class="num">
                Amount
              </th>
              <th scope="col" class="num">
                Filled
              </th>
              <th scope="col" class="num">
                Avg price
              </th>
              <th scope="col" class="num">
                Limit
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {orders.map((o) => (
              <tr key={o.orderId} data-order-id={o.orderId}>
                <td data-label="Created">
                  <a href={`#/orders/${o.orderId}`} aria-label={`Order ${o.orderId}`}>
                    <Time value={o.createdAt} />
                  </a>
                </td>
                <td data-label="Venue">{o.venue}</td>
                <td data-label="Account">{o.account}</td>
                <td data-label="Instrument">{o.symbol}</td>
                <td class={o.side} data-label="Side">
                  {o.side}
                </td>
                <td data-label="Type">{o.type}</td>
                <td data-label="Amount">
                  <Num value={o.amount} />
                </td>
                <td data-label="Filled">
                  <Num value={o.filled} />
                </td>
                <td data-label="Avg price">
                  <Num value={o.averagePrice} />
                </td>
                <td data-label="Limit">
                  <Num value={o.price} />
                </td>
                <td data-label="Status">
                  <span class={`status ${o.status}`}>{o.status.replaceAll('_', ' ')}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollBox>
      {loaded && orders.length === 0 && <p>No orders match.</p>}
      {next !== null && (
        <button type="button" onClick={more}>
          Older orders
        </button>
      )}
    </section>
  );
}
