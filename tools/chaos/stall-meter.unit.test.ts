import { describe, expect, it } from 'vitest';
import { StallTracker } from './stall-meter.ts';

describe('stall tracker', () => {
  it('measures the longest run with lag and no committed progress', () => {
    const t = new StallTracker();
    t.sample(0, 100, 5); // first sample: progress by definition
    t.sample(500, 105, 3); // progress, with lag left: a stall, if any, counts from here
    t.sample(1000, 105, 8); // nothing committed since 500
    t.sample(1500, 105, 9);
    t.sample(2500, 105, 12); // 2000 ms so far
    t.sample(3000, 120, 0); // moved again
    t.sample(3500, 120, 4);
    t.sample(4000, 120, 4); // 500 ms
    expect(t.longestMs).toBe(2000);
  });

  it('no lag is never a stall, however long nothing moves', () => {
    const t = new StallTracker();
    for (let at = 0; at < 10_000; at += 500) t.sample(at, 42, 0);
    expect(t.longestMs).toBe(0);
  });
});
