import { useMemo, useState } from 'preact/hooks';
import { z } from 'zod';
import { type DailyStatement, DailyStatementSchema } from '../../../../application/ports/queries.ts';
import { api, query } from '../api.ts';
import { PnlChart } from '../chart.tsx';
import { COMPONENTS, pnlDays, seriesKey, statementsCsv } from '../pnl-figures.ts';
import { Loaded, Num, ScrollBox, useLoad } from '../ui.tsx';

/** Read through the route's own schema: fields the API adds later are dropped, not refused. */
const StatementsSchema = z.array(DailyStatementSchema);

function download(statements: readonly DailyStatement[]) {
  const url = URL.createObjectURL(new Blob([statementsCsv(statements)], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = 'daily-statements.csv';
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

function Series({ statements }: { statements: DailyStatement[] }) {
  const keys = useMemo(() => [...new Set(statements.map(seriesKey))].sort(), [statements]);
  const [chosen, setChosen] = useState<string>();
  const key = chosen !== undefined && keys.includes(chosen) ? chosen : keys[0];
  const series = useMemo(() => statements.filter((s) => seriesKey(s) === key), [statements, key]);
  const days = useMemo(() => pnlDays(series), [series]);
  const currency = series[0]?.currency ?? '';
  if (key === undefined) return <p>No statements yet: the ledger has no cash movements in this period.</p>;
  return (
    <>
      <div class="filters">
        <label>
          Venue account and currency
          <select value={key} onChange={(e) => setChosen((e.currentTarget as HTMLSelectElement).value)}>
            {keys.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => download(statements)}>
          Download CSV
        </button>
      </div>
      <PnlChart
        days={days}
        currency={currency}
        label={`PnL of ${key} by day (trading, fees, funding, settlement) and cumulative; the figures are in the table below`}
      />
      <ScrollBox label="Daily PnL table">
        <table data-testid="pnl-table">
          <caption>PnL of {key} by day</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              {COMPONENTS.map((c) => (
                <th scope="col" class="num" key={c}>
                  {c}
                </th>
              ))}
              <th scope="col" class="num">
                Day PnL
              </th>
              <th scope="col" class="num">
                Cumulative
              </th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <th scope="row">{d.day}</th>
                {COMPONENTS.map((c) => (
                  <td key={c}>
                    <Num value={d.parts[c]} signed />
                  </td>
                ))}
                <td>
                  <Num value={d.total} signed />
                </td>
                <td>
                  <Num value={d.cumulative} signed />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollBox>
    </>
  );
}

/** Daily statements from the back-office ledger: PnL by day and cumulative, and a CSV of them. */
export function Pnl() {
  const [range, setRange] = useState<{ from?: string; to?: string }>({});
  const state = useLoad(
    () => api(StatementsSchema, `/v1/statements/daily${query({ from: range.from, to: range.to })}`),
    [range],
  );
  const apply = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const day = (k: string) => String(data.get(k) ?? '') || undefined;
    setRange({ from: day('from'), to: day('to') });
  };
  return (
    <section aria-labelledby="pnl-title">
      <h1 id="pnl-title">PnL</h1>
      <form class="filters" onSubmit={apply} aria-label="Statement period">
        <label>
          From (UTC day)
          <input type="date" name="from" />
        </label>
        <label>
          To
          <input type="date" name="to" />
        </label>
        <button type="submit">Apply</button>
      </form>
      <Loaded state={state}>{(statements) => <Series statements={statements} />}</Loaded>
    </section>
  );
}
