/**
 * A small SVG line chart over time: one line per series, gaps where a value is
 * unknown (null), a dot on each series' latest value. Drawn at the container's real
 * width, like BarChart, so its text stays readable on a phone. Below it, in words,
 * the latest and the highest value of each series (for screen readers and for exact
 * figures); with no points at all, an empty-state line instead of the chart.
 */
import { useId } from 'react';
import { clock, compact, duration } from '../format.ts';
import { useElementWidth } from '../hooks/useElementWidth.ts';
import { linearScale } from './chart-scale.ts';

export interface LineSeries {
  name: string;
  color: string;
  /** One value per time; null where it is not known. */
  values: (number | null)[];
  dashed?: boolean;
}

interface Props {
  /** What the chart shows, for screen readers (the svg's title and aria-label). */
  title: string;
  /** Epoch milliseconds, ascending; one per value of each series. */
  times: number[];
  series: LineSeries[];
  height?: number;
  /** The y axis reaches at least this far, so that an all-zero line sits at the bottom of a real axis. */
  minTop?: number;
  formatValue?: (v: number) => string;
  formatTick?: (v: number) => string;
  /** Shown instead of the chart when there are no points. */
  empty?: string;
}

const M = { top: 10, right: 10, bottom: 24, left: 46 };
const TIME_STEPS = [10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];

/** Consecutive runs of known values: each becomes one path (or a dot when it is a single value). */
function runs(values: (number | null)[]): { i: number; v: number }[][] {
  const out: { i: number; v: number }[][] = [];
  let cur: { i: number; v: number }[] = [];
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      if (cur.length) out.push(cur);
      cur = [];
    } else cur.push({ i, v });
  });
  if (cur.length) out.push(cur);
  return out;
}

function lastKnown(values: (number | null)[]): { i: number; v: number } | undefined {
  for (let i = values.length - 1; i >= 0; i -= 1) {
    const v = values[i];
    if (v !== null && v !== undefined && Number.isFinite(v)) return { i, v };
  }
  return undefined;
}

export function LineChart({ title, times, series, height = 170, minTop = 0, formatValue = String, formatTick = compact, empty = 'No points yet.' }: Props) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const summaryId = useId();
  if (times.length === 0) {
    return (
      <div className="chart line-chart" ref={ref}>
        <p className="empty">{empty}</p>
      </div>
    );
  }

  const plotW = Math.max(40, width - M.left - M.right);
  const plotH = height - M.top - M.bottom;
  const known = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const scale = linearScale(Math.max(minTop, ...known, 0));
  const t0 = times[0]!;
  const t1 = times[times.length - 1]!;
  const span = t1 - t0;
  const x = (i: number) => M.left + (span > 0 ? ((times[i]! - t0) / span) * plotW : plotW / 2);
  const y = (v: number) => M.top + plotH - scale.ratio(v) * plotH;

  const maxLabels = Math.max(1, Math.floor(plotW / 64));
  const step = TIME_STEPS.find((s) => span / s <= maxLabels) ?? TIME_STEPS[TIME_STEPS.length - 1]!;
  const timeTicks: number[] = [];
  const tx = (t: number) => M.left + (span > 0 ? ((t - t0) / span) * plotW : plotW / 2);
  // A label is about 50 px wide: none so close to the right edge that it would be cut.
  if (span > 0) for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) if (tx(t) <= width - 26) timeTicks.push(t);

  const latestAt = t1;
  const word = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? 'unknown' : formatValue(v));
  const latest = series.map((s) => `${s.name} ${word(s.values[s.values.length - 1])}`).join(', ');
  const highest = series
    .map((s) => {
      const vs = s.values.filter((v): v is number => v !== null && Number.isFinite(v));
      return `${s.name} ${vs.length ? formatValue(Math.max(...vs)) : 'unknown'}`;
    })
    .join(', ');

  return (
    <div className="chart line-chart" ref={ref}>
      <svg role="img" aria-label={title} aria-describedby={summaryId} width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
        <title>{title}</title>
        <g className="axis">
          {scale.ticks.map((t) => (
            <g key={t}>
              <line x1={M.left} x2={M.left + plotW} y1={y(t)} y2={y(t)} className="grid" />
              <text x={M.left - 6} y={y(t)} dy="0.32em" textAnchor="end">
                {formatTick(t)}
              </text>
            </g>
          ))}
          {span > 0 ? (
            timeTicks.map((t) => (
              <text key={t} x={tx(t)} y={height - 7} textAnchor="middle">
                {clock(t, { seconds: step < 60_000 })}
              </text>
            ))
          ) : (
            <text x={tx(t0)} y={height - 7} textAnchor="middle">
              {clock(t0)}
            </text>
          )}
        </g>
        <line className="baseline" x1={M.left} x2={M.left + plotW} y1={M.top + plotH} y2={M.top + plotH} />
        <g className="lines">
          {series.map((s) => {
            const parts = runs(s.values);
            const last = lastKnown(s.values);
            return (
              <g key={s.name} className="series" data-series={s.name} data-points={parts.reduce((n, r) => n + r.length, 0)}>
                <title>{s.name}</title>
                {parts.map((r) =>
                  r.length > 1 ? (
                    <path
                      key={r[0]!.i}
                      className="line"
                      stroke={s.color}
                      strokeDasharray={s.dashed ? '5 3' : undefined}
                      d={r.map((p, k) => `${k ? 'L' : 'M'}${x(p.i).toFixed(1)},${y(p.v).toFixed(1)}`).join('')}
                    />
                  ) : (
                    <circle key={r[0]!.i} className="dot" cx={x(r[0]!.i)} cy={y(r[0]!.v)} r={2} fill={s.color} />
                  ),
                )}
                {last && <circle className="last" cx={x(last.i)} cy={y(last.v)} r={3.5} fill={s.color} />}
              </g>
            );
          })}
        </g>
      </svg>
      <ul className="legend" aria-hidden="true">
        {series.map((s) => (
          <li key={s.name}>
            <svg width="20" height="10" className="legend-line" aria-hidden="true">
              <line x1="1" x2="19" y1="5" y2="5" stroke={s.color} strokeWidth="2.5" strokeDasharray={s.dashed ? '5 3' : undefined} />
            </svg>
            {s.name}
          </li>
        ))}
      </ul>
      <p className="chart-summary muted small" id={summaryId}>
        Latest ({clock(latestAt)} UTC): {latest}. {span > 0 ? `Highest over the last ${duration(span)}` : 'Highest'}: {highest}.
      </p>
    </div>
  );
}
