import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { COMPONENTS, type PnlDay } from './pnl-figures.ts';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Tooltip,
);

const COLOURS: Record<(typeof COMPONENTS)[number] | 'cumulative', string> = {
  trading: '#2563eb',
  fees: '#dc2626',
  funding: '#d97706',
  settlement: '#059669',
  cumulative: '#111827',
};

/**
 * PnL by day (bars: trading, fees, funding, settlement) and cumulative (line), in one currency.
 * The figures are exact decimal strings; the canvas needs numbers, so they become floats here,
 * for drawing only (the table and the CSV keep the strings).
 */
export function PnlChart({ days, currency, label }: { days: PnlDay[]; currency: string; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: days.map((d) => d.day),
        datasets: [
          ...COMPONENTS.map((c) => ({
            type: 'bar' as const,
            label: c,
            data: days.map((d) => Number(d.parts[c])),
            backgroundColor: COLOURS[c],
          })),
          {
            type: 'line' as const,
            label: 'cumulative',
            data: days.map((d) => Number(d.cumulative)),
            borderColor: COLOURS.cumulative,
            backgroundColor: COLOURS.cumulative,
            pointRadius: 4,
          },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { title: { display: true, text: currency } } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    return () => chart.destroy();
  }, [days, currency]);
  return (
    <div class="chart">
      <canvas ref={canvas} role="img" aria-label={label} data-testid="pnl-chart" />
    </div>
  );
}
