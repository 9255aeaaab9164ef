import { describe, expect, it } from 'vitest';
import { passedAt } from './monitor.ts';

describe('passedAt: when a stage first went past a position, from the samples', () => {
  const samples = [
    { at: 1000, value: 100 },
    { at: 3000, value: 300 },
    { at: 5000, value: 300 },
    { at: 7000, value: 700 },
  ];

  it('interpolates between the two samples around the crossing', () => {
    expect(passedAt(samples, 200)).toBe(2000);
    expect(passedAt(samples, 500)).toBe(6000);
  });

  it('is undefined when the crossing is before the first sample or has not happened', () => {
    expect(passedAt(samples, 50)).toBeUndefined();
    expect(passedAt(samples, 700)).toBeUndefined();
  });

  it('skips samples without a value', () => {
    expect(
      passedAt(
        [
          { at: 1000, value: 100 },
          { at: 2000, value: null },
          { at: 3000, value: 300 },
        ],
        200,
      ),
    ).toBe(2000);
  });
});
