import { useState } from 'preact/hooks';
import { KillSwitchRequestSchema } from '../../../../application/orders/requests.ts';
import { HealthSchema, KillSwitchSchema, type Session } from '../../../http/api-schemas.ts';
import { api, describeError } from '../api.ts';
import { Loaded, Outcome, ScrollBox, Time, useLoad } from '../ui.tsx';

/** Engage or release the kill switch, with a reason (operators only; the API enforces it too). */
function KillSwitch({ engaged, onChanged }: { engaged: boolean; onChanged: () => void }) {
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string }>();
  const submit = async (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const request = KillSwitchRequestSchema.safeParse({
      engaged: !engaged,
      reason: String(data.get('reason') ?? '').trim(),
      cancelAll: data.get('cancelAll') === 'on',
    });
    if (!request.success) {
      setOutcome({ ok: false, text: `reason: ${request.error.issues[0]?.message ?? 'invalid'}` });
      return;
    }
    const form = event.currentTarget as HTMLFormElement;
    try {
      const state = await api(KillSwitchSchema, '/v1/kill-switch', { method: 'POST', body: request.data });
      setOutcome({
        ok: true,
        text: state.engaged
          ? `Kill switch engaged by ${state.by ?? 'you'}${state.cancelled?.length ? `; ${state.cancelled.length} order(s) cancelled` : ''}`
          : 'Kill switch released',
      });
      form.reset();
      onChanged();
    } catch (error) {
      setOutcome({ ok: false, text: describeError(error) });
    }
  };
  return (
    <form
      onSubmit={submit}
      class="kill"
      aria-label={engaged ? 'Release the kill switch' : 'Engage the kill switch'}
    >
      <label for="kill-reason">Reason</label>
      <input id="kill-reason" name="reason" required minLength={3} maxLength={500} />
      {!engaged && (
        <label class="check">
          <input type="checkbox" name="cancelAll" /> also cancel every open order
        </label>
      )}
      <button type="submit" class={engaged ? '' : 'danger'}>
        {engaged ? 'Release the kill switch' : 'Engage the kill switch'}
      </button>
      <Outcome message={outcome} />
    </form>
  );
}

/** Venues, read models, the kill switch and the store: is the service fit to trade? */
export function Health({ session }: { session: Session }) {
  const state = useLoad(() => api(HealthSchema, '/v1/health'), []);
  return (
    <section aria-labelledby="health-title">
      <h1 id="health-title">Health</h1>
      <Loaded state={state}>
        {(h) => (
          <>
            <p class={`banner ${h.status}`} data-testid="health-status">
              Service {h.status}
              {h.reasons.length > 0 && ':'}
            </p>
            {h.reasons.length > 0 && (
              <ul>
                {h.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            )}
            <h2>Kill switch</h2>
            <p data-testid="kill-switch-state">
              {h.killSwitch.engaged
                ? `Engaged by ${h.killSwitch.by ?? '?'}: ${h.killSwitch.reason ?? ''}. New orders are refused.`
                : 'Released: orders are accepted.'}
            </p>
            {session.may.operate && <KillSwitch engaged={h.killSwitch.engaged} onChanged={state.reload} />}
            <h2>Venues</h2>
            <ScrollBox label="Venues table">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Venue account</th>
                    <th scope="col">Connection</th>
                    <th scope="col">Trading</th>
                    <th scope="col">Last reconciliation</th>
                  </tr>
                </thead>
                <tbody>
                  {h.venues.map((v) => (
                    <tr key={`${v.venue}/${v.account}`}>
                      <td>
                        {v.venue} / {v.account}
                      </td>
                      <td>
                        {v.connection.status} since <Time value={v.connection.since} /> (
                        {v.connection.reconnects} reconnects)
                      </td>
                      <td>{v.trading ? 'yes' : `no: ${v.pausedReason ?? 'paused'}`}</td>
                      <td>
                        {v.lastReconciliation ? (
                          <>
                            <Time value={v.lastReconciliation.at} />, {v.lastReconciliation.differences}{' '}
                            difference(s)
                          </>
                        ) : (
                          '–'
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollBox>
            <h2>Read models</h2>
            <ScrollBox label="Projections table">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Projection</th>
                    <th scope="col">Status</th>
                    <th scope="col" class="num">
                      Lag (events)
                    </th>
                    <th scope="col">Last applied</th>
                  </tr>
                </thead>
                <tbody>
                  {h.projections.map((p) => (
                    <tr key={p.name}>
                      <td>{p.name}</td>
                      <td>{p.error ?? p.status}</td>
                      <td class="num">{p.lagEvents ?? '–'}</td>
                      <td>
                        <Time value={p.lastAppliedAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollBox>
            <p>
              Store{' '}
              {h.store.writable ? 'takes writes' : `refuses writes (${h.store.lastRefusal?.message ?? ''})`};{' '}
              {h.parkedOrders} order(s) parked; {h.breaks.open} open break(s).
            </p>
            <button type="button" onClick={state.reload}>
              Refresh
            </button>
          </>
        )}
      </Loaded>
    </section>
  );
}
