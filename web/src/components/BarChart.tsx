/**
 * A small SVG bar chart: one group of bars per category (a day), one bar per series.
 * Drawn at the container's real width so its text stays readable on a phone.
 */
import { compact } from '../format.ts';
import { useElementWidth } from '../hooks/useElementWidth.ts';
import { linearScale, logScale } from './chart-scale.ts';

export interface Series {
  name: string;
  color: string;
  values: number[];
}

interface Props {
  /** What the chart shows, for screen readers. */
  title: string;
  categories: string[];
  series: Series[];
  height?: number;
  log?: boolean;
  formatCategory?: (c: string) => string;
  formatValue?: (v: number) => string;
}

const M = { top: 10, right: 8, bottom: 26, left: 46 };

export function BarChart({ title, categories, series, height = 240, log = false, formatCategory = (c) => c, formatValue = String }: Props) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const plotW = Math.max(40, width - M.left - M.right);
  const plotH = height - M.top - M.bottom;
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const scale = log ? logScale(max) : linearScale(max);
  const n = Math.max(1, categories.length);
  const groupW = plotW / n;
  const barW = Math.max(1, (groupW * (n > 60 ? 0.95 : 0.8)) / Math.max(1, series.length));
  const labelEvery = Math.max(1, Math.ceil(48 / groupW));
  const y = (v: number) => M.top + plotH - scale.ratio(v) * plotH;

  return (
    <div className="chart" ref={ref}>
      <svg role="img" aria-label={title} width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
        <title>{title}</title>
        <g className="axis">
          {scale.ticks.map((t) => (
            <g key={t}>
              <line x1={M.left} x2={M.left + plotW} y1={y(t)} y2={y(t)} className="grid" />
              <text x={M.left - 6} y={y(t)} dy="0.32em" textAnchor="end">
                {compact(t)}
              </text>
            </g>
          ))}
          {categories.map((c, i) =>
            i % labelEvery === 0 ? (
              <text key={c} x={M.left + groupW * (i + 0.5)} y={height - 8} textAnchor="middle">
                {formatCategory(c)}
              </text>
            ) : null,
          )}
        </g>
        <g className="bars">
          {categories.map((c, i) =>
            series.map((s, j) => {
              const v = s.values[i] ?? 0;
              if (v <= 0) return null;
              const top = Math.min(y(v), M.top + plotH - 1);
              const x = M.left + groupW * i + (groupW - barW * series.length) / 2 + barW * j;
              return (
                <rect key={`${c}-${s.name}`} className="bar" data-series={s.name} x={x} y={top} width={barW} height={M.top + plotH - top} fill={s.color}>
                  <title>{`${c} · ${s.name}: ${formatValue(v)}`}</title>
                </rect>
              );
            }),
          )}
        </g>
        <line className="baseline" x1={M.left} x2={M.left + plotW} y1={M.top + plotH} y2={M.top + plotH} />
      </svg>
      {series.length > 1 && (
        <ul className="legend" aria-label="Legend">
          {series.map((s) => (
            <li key={s.name}>
              <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
              {s.name}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
