// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { bytes, clock, duration, shortDuration } from '../format.ts';
import { useComponentTestEnvironment } from '../test-support/environment.ts';
import { LineChart } from './LineChart.tsx';

const t0 = Date.parse('2026-12-02T00:40:00.000Z');
const times = [0, 1, 2, 3, 4, 5].map((i) => t0 + i * 2000);

describe('LineChart', () => {
  useComponentTestEnvironment();

  it('draws one line per run of known values, a dot on the latest, and says the latest and highest values in words', () => {
    render(
      <LineChart
        title="Delay over the last 10 s"
        times={times}
        formatValue={duration}
        series={[
          { name: 'CDC', color: '#123456', values: [0, 200, 1200, 400, 0, 0] },
          // A gap: two runs, the second a single value (a dot, not a path).
          { name: 'Freshness', color: '#654321', dashed: true, values: [100, 300, null, null, null, 2500] },
        ]}
      />,
    );
    const svg = screen.getByRole('img', { name: 'Delay over the last 10 s' });
    expect(svg.querySelector('title')!.textContent).toBe('Delay over the last 10 s');
    const cdc = svg.querySelector('[data-series="CDC"]')!;
    expect(cdc.getAttribute('data-points')).toBe('6');
    expect(cdc.querySelectorAll('path.line')).toHaveLength(1);
    expect(cdc.querySelector('path.line')!.getAttribute('d')!.match(/[ML]/g)).toHaveLength(6);
    expect(cdc.querySelectorAll('circle.last')).toHaveLength(1);
    const fresh = svg.querySelector('[data-series="Freshness"]')!;
    expect(fresh.getAttribute('data-points')).toBe('3');
    expect(fresh.querySelectorAll('path.line')).toHaveLength(1);
    expect(fresh.querySelector('path.line')!.getAttribute('stroke-dasharray')).toBe('5 3');
    expect(fresh.querySelectorAll('circle.dot')).toHaveLength(1);
    // The summary describes the svg.
    const summary = document.getElementById(svg.getAttribute('aria-describedby')!)!;
    expect(summary.textContent).toBe('Latest (00:40:10 UTC): CDC 0 ms, Freshness 2.5 s. Highest over the last 10.0 s: CDC 1.2 s, Freshness 2.5 s.');
    // Higher values are drawn higher up.
    const ys = [
      ...cdc
        .querySelector('path.line')!
        .getAttribute('d')!
        .matchAll(/[ML][\d.]+,([\d.]+)/g),
    ].map((m) => Number(m[1]));
    expect(ys[2]).toBeLessThan(ys[1]!);
    expect(ys[1]).toBeLessThan(ys[0]!);
    expect(screen.getByText('CDC', { selector: '.legend li' })).toBeTruthy();
  });

  it('says unknown for a series without a latest or any value', () => {
    render(
      <LineChart
        title="Lag"
        times={times.slice(0, 2)}
        series={[
          { name: 'redis', color: '#111', values: [3, null] },
          { name: 'clickhouse', color: '#222', values: [null, null] },
        ]}
      />,
    );
    const svg = screen.getByRole('img', { name: 'Lag' });
    expect(svg.querySelector('[data-series="clickhouse"]')!.getAttribute('data-points')).toBe('0');
    expect(svg.querySelector('[data-series="clickhouse"] circle')).toBeNull();
    expect(svg.querySelector('[data-series="redis"] circle.last')).toBeTruthy();
    expect(screen.getByText(/^Latest/).textContent).toBe(
      'Latest (00:40:02 UTC): redis unknown, clickhouse unknown. Highest over the last 2.0 s: redis 3, clickhouse unknown.',
    );
  });

  it('draws a single point as a dot in the middle', () => {
    render(<LineChart title="One" times={[t0]} series={[{ name: 'a', color: '#111', values: [5] }]} />);
    const svg = screen.getByRole('img', { name: 'One' });
    expect(svg.querySelectorAll('path.line')).toHaveLength(0);
    expect(svg.querySelectorAll('circle.dot')).toHaveLength(1);
    expect(screen.getByText(/^Latest/).textContent).toBe('Latest (00:40:00 UTC): a 5. Highest: a 5.');
  });

  it('shows its empty state, and no chart, when there are no points', () => {
    render(<LineChart title="Nothing" times={[]} series={[{ name: 'a', color: '#111', values: [] }]} empty="No points yet." />);
    expect(screen.getByText('No points yet.')).toBeTruthy();
    expect(screen.queryByRole('img')).toBeNull();
  });
});

describe('format for the pipeline', () => {
  it('bytes in SI units, short durations for axes, clock times in UTC', () => {
    expect(bytes(0)).toBe('0 B');
    expect(bytes(999)).toBe('999 B');
    expect(bytes(24_300)).toBe('24.3 kB');
    expect(bytes(243_000)).toBe('243 kB');
    expect(bytes(1_500_000)).toBe('1.5 MB');
    expect(bytes(null)).toBe('—');
    expect(duration(1200)).toBe('1.2 s');
    expect(shortDuration(0)).toBe('0');
    expect(shortDuration(500)).toBe('500ms');
    expect(shortDuration(1500)).toBe('1.5s');
    expect(shortDuration(120_000)).toBe('2m');
    expect(clock(t0 + 5000)).toBe('00:40:05');
    expect(clock(t0, { seconds: false })).toBe('00:40');
  });
});
