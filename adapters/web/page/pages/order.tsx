import { useState } from 'preact/hooks';
import { z } from 'zod';
import {
  OrderViewSchema,
  type TimelineEntry,
  TimelineEntrySchema,
} from '../../../../application/orders/order-view.ts';
import { OrderAnomalyDetectedSchema, OrderFilledSchema } from '../../../../domain/order/contract.ts';
import { TERMINAL_STATUSES } from '../../../../domain/order/transitions.ts';
import { CommandResponseSchema, type Session } from '../../../http/api-schemas.ts';
import { api, describeError } from '../api.ts';
import { Loaded, Num, Outcome, ScrollBox, Time, useLoad } from '../ui.tsx';

const TimelineSchema = z.array(TimelineEntrySchema);

/** The recorded data of the events the page reads: the domain's own event schemas. */
const FillDataSchema = OrderFilledSchema.shape.data;
const AnomalyDataSchema = OrderAnomalyDetectedSchema.shape.data;

/** What caused an entry, in the order's own terms when it is one of its events. */
function causation(entry: TimelineEntry, timeline: readonly TimelineEntry[]): string {
  const cause = timeline.find((e) => e.eventId === entry.causationId);
  if (cause) return `#${cause.revision} ${cause.type}`;
  if (entry.causationId === entry.commandId) return `command ${entry.causationId.slice(0, 8)}`;
  return entry.causationId;
}

/** Why: the reason an event carries, if it has one. */
const why = (entry: TimelineEntry): string => {
  const data = entry.data as Record<string, unknown> | null;
  const reason = data?.reason ?? data?.venueReason ?? data?.message;
  return typeof reason === 'string' ? reason : '';
};

function Timeline({ timeline }: { timeline: TimelineEntry[] }) {
  return (
    <ScrollBox label="Timeline table, scrolls sideways">
      <table class="timeline">
        <caption>Timeline: every event of the order, in order</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Event</th>
            <th scope="col">When by us (UTC)</th>
            <th scope="col">When by the venue</th>
            <th scope="col">Who</th>
            <th scope="col">Why</th>
            <th scope="col">Caused by</th>
            <th scope="col">Recorded data</th>
          </tr>
        </thead>
        <tbody>
          {timeline.map((e) => (
            <tr key={e.eventId}>
              <td>{e.revision}</td>
              <td>
                <strong>{e.type}</strong>
                <br />
                <span class="hint">from {e.source}</span>
              </td>
              <td>
                <Time value={e.recordedAt} />
              </td>
              <td>
                <Time value={e.venueTime} />
                {e.venueLatency && <span class="hint"> (venue took {e.venueLatency.usDiff} µs)</span>}
              </td>
              <td>{e.by ?? '–'}</td>
              <td>{why(e)}</td>
              <td>
                <span title={`causation ${e.causationId}, correlation ${e.correlationId}`}>
                  {causation(e, timeline)}
                </span>
              </td>
              <td>
                <details>
                  <summary>Show</summary>
                  <pre>{JSON.stringify(e.data, null, 2)}</pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollBox>
  );
}

function Fills({ timeline }: { timeline: TimelineEntry[] }) {
  const fills = timeline.flatMap((e) => {
    const parsed = e.type === 'OrderFilled' ? FillDataSchema.safeParse(e.data) : undefined;
    return parsed?.success ? [parsed.data.fill] : [];
  });
  if (fills.length === 0) return <p>No fills.</p>;
  return (
    <ScrollBox label="Fills table">
      <table>
        <caption>Fills</caption>
        <thead>
          <tr>
            <th scope="col">Trade</th>
            <th scope="col">Executed (venue)</th>
            <th scope="col" class="num">
              Amount
            </th>
            <th scope="col" class="num">
              Price
            </th>
            <th scope="col" class="num">
              Fee
            </th>
            <th scope="col">Liquidity</th>
          </tr>
        </thead>
        <tbody>
          {fills.map((f) => (
            <tr key={f.tradeId}>
              <td>{f.tradeId}</td>
              <td>
                <Time value={f.executedAt} />
              </td>
              <td>
                <Num value={f.amount.toString()} />
              </td>
              <td>
                <Num value={f.price.toString()} />
              </td>
              <td>
                <Num value={f.fee.toString()} /> {f.feeCurrency}
              </td>
              <td>{f.liquidity}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollBox>
  );
}

function Anomalies({ timeline }: { timeline: TimelineEntry[] }) {
  const anomalies = timeline.filter((e) => e.type === 'OrderAnomalyDetected');
  if (anomalies.length === 0) return <p>No anomalies.</p>;
  return (
    <ul>
      {anomalies.map((e) => {
        const a = AnomalyDataSchema.safeParse(e.data);
        return (
          <li key={e.eventId}>
            <Time value={e.recordedAt} /> {a.success ? `${a.data.kind}: ${a.data.message}` : e.type}
          </li>
        );
      })}
    </ul>
  );
}

/** One order's story on one screen: what it is, every event, its fills and anomalies. */
export function OrderPage({ orderId, session }: { orderId: string; session: Session }) {
  const state = useLoad(
    () =>
      Promise.all([
        api(OrderViewSchema, `/v1/orders/${encodeURIComponent(orderId)}`),
        api(TimelineSchema, `/v1/orders/${encodeURIComponent(orderId)}/history`),
      ]),
    [orderId],
  );
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string }>();
  const cancel = async () => {
    try {
      const { order } = await api(CommandResponseSchema, `/v1/orders/${encodeURIComponent(orderId)}`, {
        method: 'DELETE',
        idempotencyKey: crypto.randomUUID(),
      });
      setOutcome({ ok: true, text: `Cancel sent: ${order.status.replaceAll('_', ' ')}` });
      state.reload();
    } catch (error) {
      setOutcome({ ok: false, text: describeError(error) });
    }
  };
  return (
    <section aria-labelledby="order-title">
      <p>
        <a href="#/blotter">← Blotter</a>
      </p>
      <h1 id="order-title">Order</h1>
      <Loaded state={state}>
        {([order, timeline]) => (
          <>
            <dl class="facts">
              <dt>Order id</dt>
              <dd>{order.orderId}</dd>
              <dt>Instrument</dt>
              <dd>
                {order.venue} / {order.account} / {order.symbol}
              </dd>
              <dt>Order</dt>
              <dd>
                {order.side} {order.type} {order.amount}
                {order.price !== null && ` @ ${order.price}`} ({order.timeInForce})
              </dd>
              <dt>Status</dt>
              <dd>
                <span class={`status ${order.status}`}>{order.status.replaceAll('_', ' ')}</span>
              </dd>
              <dt>Filled</dt>
              <dd>
                {order.filled} of {order.amount}
                {order.averagePrice !== null && ` at ${order.averagePrice} on average`}
              </dd>
              <dt>Fees</dt>
              <dd>
                {Object.entries(order.fees)
                  .map(([c, f]) => `${f} ${c}`)
                  .join(', ') || '–'}
              </dd>
              <dt>Venue order id</dt>
              <dd>{order.venueOrderIds.join(', ') || '–'}</dd>
              <dt>Client order id</dt>
              <dd>{order.clientOrderId}</dd>
            </dl>
            {session.may.trade && !TERMINAL_STATUSES.has(order.status) && (
              <button type="button" onClick={cancel}>
                Cancel this order
              </button>
            )}
            <Outcome message={outcome} />
            <Timeline timeline={timeline} />
            <h2>Fills</h2>
            <Fills timeline={timeline} />
            <h2>Anomalies ({order.anomalies})</h2>
            <Anomalies timeline={timeline} />
          </>
        )}
      </Loaded>
    </section>
  );
}
