import { useState } from 'preact/hooks';
import { PlaceOrderRequestSchema } from '../../../../application/orders/requests.ts';
import { VenueSchema } from '../../../../domain/instrument.ts';
import { CommandResponseSchema } from '../../../http/api-schemas.ts';
import { api, describeError } from '../api.ts';
import { Outcome } from '../ui.tsx';

/** A trader's order ticket (not offered to a read-only token): validated by the API's own schema. */
export function PlaceOrder() {
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string }>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const text = (k: string) => String(data.get(k) ?? '').trim();
    const type = text('type');
    const request = PlaceOrderRequestSchema.safeParse({
      venue: text('venue'),
      symbol: text('symbol'),
      side: text('side'),
      type,
      amount: text('amount'),
      ...(type === 'limit' && { price: text('price') }),
    });
    if (!request.success) {
      const issue = request.error.issues[0];
      setOutcome({ ok: false, text: `${issue?.path.join('.') ?? 'order'}: ${issue?.message ?? 'invalid'}` });
      return;
    }
    setBusy(true);
    try {
      const { order } = await api(CommandResponseSchema, '/v1/orders', {
        method: 'POST',
        body: request.data,
        idempotencyKey: crypto.randomUUID(),
      });
      setOutcome({ ok: true, text: `Order ${order.orderId}: ${order.status.replaceAll('_', ' ')}` });
    } catch (error) {
      setOutcome({ ok: false, text: describeError(error) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <details class="ticket">
      <summary>Place an order</summary>
      <form onSubmit={submit} aria-label="Place an order" class="filters">
        <label>
          Venue
          <select name="venue">
            {VenueSchema.options.map((v) => (
              <option key={v}>{v}</option>
            ))}
          </select>
        </label>
        <label>
          Instrument
          <input name="symbol" required defaultValue="BTC-PERPETUAL" maxLength={64} />
        </label>
        <label>
          Side
          <select name="side">
            <option>buy</option>
            <option>sell</option>
          </select>
        </label>
        <label>
          Type
          <select name="type">
            <option>limit</option>
            <option>market</option>
          </select>
        </label>
        <label>
          Amount
          <input name="amount" required inputMode="decimal" />
        </label>
        <label>
          Limit price
          <input name="price" inputMode="decimal" />
        </label>
        <button type="submit" disabled={busy}>
          Place
        </button>
      </form>
      <Outcome message={outcome} />
    </details>
  );
}
