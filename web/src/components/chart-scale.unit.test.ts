import { describe, expect, it } from 'vitest';
import { linearScale, logScale, niceStep, suggestLog } from './chart-scale.ts';

describe('chart scales', () => {
  it('linear: nice ticks from 0 past the maximum', () => {
    expect(niceStep(1000, 4)).toBe(500);
    const s = linearScale(1234);
    expect(s.ticks).toEqual([0, 500, 1000, 1500]);
    expect(s.ratio(1500)).toBe(1);
    expect(s.ratio(0)).toBe(0);
    expect(linearScale(0).ticks).toEqual([0]);
  });

  it('log: powers of ten up to the top, which holds the maximum', () => {
    const s = logScale(14_000_000_000);
    expect(s.ticks[0]).toBe(0);
    expect(s.ticks[s.ticks.length - 1]).toBe(1e11);
    expect(s.ratio(14_000_000_000)).toBeLessThanOrEqual(1);
    expect(s.ratio(1)).toBeGreaterThan(0);
    expect(logScale(50).ticks).toEqual([0, 1, 10, 100]);
  });

  it('suggests a log scale only when the largest value dwarfs the typical one', () => {
    expect(suggestLog([10, 20, 30])).toBe(false);
    expect(suggestLog([10, 20, 14_000_000_000])).toBe(true);
    expect(suggestLog([0, 0, 5])).toBe(false);
  });
});
