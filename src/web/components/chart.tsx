/**
 * A chart (Chart.js, loaded on first use) with the same figures as a table beneath it, so that a screen reader or
 * a keyboard user gets the data too. Line charts for series over time, bar charts for distributions.
 */
import { useEffect, useRef } from 'preact/hooks';
import { useI18n } from '../i18n.ts';

export interface Series {
  readonly label: string;
  readonly values: readonly number[];
}

export interface ChartProps {
  readonly kind: 'line' | 'bar';
  readonly title: string;
  readonly labels: readonly string[];
  readonly series: readonly Series[];
  /** Start the value axis at zero (counts) or fit it to the data (scores). */
  readonly fromZero?: boolean;
}

/** Colours that keep 3:1 against white (WCAG AA for graphics) and apart from each other. */
export const palette = ['#1f5fa8', '#b3471d', '#2e7d32', '#6a3fa0', '#8a6d00', '#00727a', '#a3236b', '#4d4d4d'];

type ChartInstance = { destroy(): void };

export function Chart({ kind, title, labels, series, fromZero = true }: ChartProps) {
  const { t, number } = useI18n();
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    let chart: ChartInstance | undefined;
    let current = true;
    void import('chart.js/auto').then(({ default: ChartJs }) => {
      if (!current || canvas.current === null) return;
      chart = new ChartJs(canvas.current, {
        type: kind,
        data: {
          labels: [...labels],
          datasets: series.map((s, i) => ({
            label: s.label,
            data: [...s.values],
            borderColor: palette[i % palette.length],
            backgroundColor: palette[i % palette.length],
            tension: 0,
            pointRadius: labels.length > 60 ? 0 : 2,
          })),
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: { y: { beginAtZero: fromZero } },
          plugins: { legend: { display: series.length > 1 } },
        },
      });
    });
    return () => {
      current = false;
      chart?.destroy();
    };
  }, [kind, labels, series, fromZero]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div class="chart-canvas">
        <canvas ref={canvas} role="img" aria-label={title} />
      </div>
      <details>
        <summary>{t('common.dataTable')}</summary>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col" />
                {series.map((s) => (
                  <th scope="col" key={s.label}>
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {labels.map((label, i) => (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  {series.map((s) => (
                    <td class="num" key={s.label}>
                      {number(s.values[i] ?? 0)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
