import { useState } from 'preact/hooks';
import { z } from 'zod';
import { BreakViewSchema, type Session } from '../../../http/api-schemas.ts';
import { api, describeError } from '../api.ts';
import { Loaded, Outcome, useLoad } from '../ui.tsx';

const BreaksSchema = z.array(BreakViewSchema);
type BreakView = z.infer<typeof BreakViewSchema>;

/** An operator closes a break with a reason (recorded with the operator's token name). */
function Resolve({ item, onResolved }: { item: BreakView; onResolved: (text: string) => void }) {
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string }>();
  const id = `reason-${item.breakId}`;
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const reason = String(new FormData(form).get('reason') ?? '').trim();
    try {
      const resolved = await api(BreakViewSchema, `/v1/breaks/${encodeURIComponent(item.breakId)}/resolve`, {
        method: 'POST',
        body: { reason },
      });
      // The page says so: the break leaves the open list (and this form with it) when it reloads.
      onResolved(
        `${item.kind.replaceAll('_', ' ')} on ${item.subject}: resolved by ${resolved.resolution?.by ?? 'you'}`,
      );
    } catch (error) {
      setOutcome({ ok: false, text: describeError(error) });
    }
  };
  return (
    <form class="inline" onSubmit={submit} aria-label={`Resolve break ${item.breakId}`}>
      <label for={id}>Reason</label>
      <input id={id} name="reason" required minLength={3} maxLength={500} />
      <button type="submit">Resolve</button>
      <Outcome message={outcome} />
    </form>
  );
}

/** Reconciliation breaks: what we hold beside what the venue says; open ones first. */
export function Breaks({ session }: { session: Session }) {
  const [status, setStatus] = useState<'open' | 'resolved'>('open');
  const state = useLoad(() => api(BreaksSchema, `/v1/breaks?status=${status}`), [status]);
  const [notice, setNotice] = useState<{ ok: boolean; text: string }>();
  const resolved = (text: string) => {
    setNotice({ ok: true, text });
    state.reload();
  };
  return (
    <section aria-labelledby="breaks-title">
      <h1 id="breaks-title">Reconciliation breaks</h1>
      <fieldset class="choice">
        <legend>Show</legend>
        {(['open', 'resolved'] as const).map((s) => (
          <label key={s}>
            <input type="radio" name="status" checked={status === s} onChange={() => setStatus(s)} /> {s}
          </label>
        ))}
      </fieldset>
      <Outcome message={notice} />
      <Loaded state={state}>
        {(breaks) =>
          breaks.length === 0 ? (
            <p>No {status} breaks.</p>
          ) : (
            <ul class="cards">
              {breaks.map((b) => (
                <li key={b.breakId} class="card" data-break-id={b.breakId}>
                  <h2>
                    {b.kind.replaceAll('_', ' ')} <span class="hint">{b.status}</span>
                  </h2>
                  <p>{b.message}</p>
                  <dl class="facts">
                    <dt>Venue account</dt>
                    <dd>
                      {b.venue} / {b.account}
                      {b.symbol && ` / ${b.symbol}`}
                    </dd>
                    <dt>Subject</dt>
                    <dd>{b.orderId ? <a href={`#/orders/${b.orderId}`}>order {b.orderId}</a> : b.subject}</dd>
                    <dt>Ours</dt>
                    <dd class="num">{b.ours}</dd>
                    <dt>The venue's</dt>
                    <dd class="num">{b.theirs}</dd>
                    <dt>Found by</dt>
                    <dd>{b.foundBy}</dd>
                    {b.resolution && (
                      <>
                        <dt>Resolved</dt>
                        <dd>
                          by {b.resolution.by} ({b.resolution.resolution}): {b.resolution.reason}
                        </dd>
                      </>
                    )}
                  </dl>
                  {b.status === 'open' && session.may.operate && <Resolve item={b} onResolved={resolved} />}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}
