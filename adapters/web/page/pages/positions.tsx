import { z } from 'zod';
import { MarkedPositionSchema } from '../../../../application/orders/marked-positions.ts';
import { api } from '../api.ts';
import { Loaded, Num, ScrollBox, Time, useLoad } from '../ui.tsx';

const PositionsSchema = z.array(MarkedPositionSchema);

/** Every open position per venue account, instrument and leg (hedge mode: long and short apart). */
export function Positions() {
  const state = useLoad(() => api(PositionsSchema, '/v1/positions'), []);
  return (
    <section aria-labelledby="positions-title">
      <h1 id="positions-title">Positions</h1>
      <Loaded state={state}>
        {(rows) =>
          rows.length === 0 ? (
            <p>No open positions.</p>
          ) : (
            <ScrollBox label="Positions table, scrolls sideways">
              <table>
                <caption class="sr-only">Open positions</caption>
                <thead>
                  <tr>
                    <th scope="col">Venue</th>
                    <th scope="col">Account</th>
                    <th scope="col">Instrument</th>
                    <th scope="col">Leg</th>
                    <th scope="col" class="num">
                      Size
                    </th>
                    <th scope="col" class="num">
                      Avg entry
                    </th>
                    <th scope="col" class="num">
                      Mark
                    </th>
                    <th scope="col" class="num">
                      Unrealized PnL
                    </th>
                    <th scope="col" class="num">
                      Realized PnL
                    </th>
                    <th scope="col">Fees</th>
                    <th scope="col">Last fill</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((p) => (
                    <tr key={`${p.venue}/${p.account}/${p.symbol}/${p.side}`}>
                      <td>{p.venue}</td>
                      <td>{p.account}</td>
                      <td>{p.symbol}</td>
                      <td>{p.side}</td>
                      <td>
                        <Num value={p.size} signed />
                      </td>
                      <td>
                        <Num value={p.averageEntry} />
                      </td>
                      <td>
                        <Num value={p.markPrice} />
                      </td>
                      <td>
                        <Num value={p.unrealizedPnl} signed /> {p.unrealizedPnl !== null && p.pnlCurrency}
                      </td>
                      <td>
                        <Num value={p.realizedPnl} signed /> {p.pnlCurrency}
                      </td>
                      <td>
                        {Object.entries(p.fees)
                          .map(([c, f]) => `${f} ${c}`)
                          .join(', ') || '–'}
                      </td>
                      <td>
                        <Time value={p.lastFillAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollBox>
          )
        }
      </Loaded>
    </section>
  );
}
