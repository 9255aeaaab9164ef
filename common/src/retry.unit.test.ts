import { describe, expect, it } from 'vitest';
import { backoffMs, retry } from './retry.ts';

describe('backoffMs', () => {
  it('grows by the factor up to the cap, with the jitter around it', () => {
    const b = { initialMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffMs(a, b, () => 0.5))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffMs(0, b, () => 0)).toBeCloseTo(80);
    expect(backoffMs(0, b, () => 1)).toBeCloseTo(120);
    expect(backoffMs(5, { initialMs: 1000, maxMs: 1000, factor: 1, jitter: 0 })).toBe(1000);
  });
});

describe('retry', () => {
  it('retries until the function resolves and reports each retry', async () => {
    const seen: number[] = [];
    const r = await retry(
      async (attempt) => {
        if (attempt < 3) throw new Error(`no ${attempt}`);
        return attempt;
      },
      { initialMs: 1, maxMs: 2, onRetry: (_e, attempt) => seen.push(attempt) },
    );
    expect(r).toBe(3);
    expect(seen).toEqual([0, 1, 2]);
  });

  it('throws the last error when out of retries, or at once when the error is not worth a retry', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('always');
        },
        { initialMs: 1, maxMs: 1, retries: 2 },
      ),
    ).rejects.toThrow('always');
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('fatal');
        },
        { initialMs: 1, maxMs: 1, shouldRetry: () => false },
      ),
    ).rejects.toThrow('fatal');
    expect(calls).toBe(1);
  });

  it('stops when told to', async () => {
    let stop = false;
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          stop = true;
          throw new Error('x');
        },
        { initialMs: 1, maxMs: 1, stopped: () => stop },
      ),
    ).rejects.toThrow('x');
    expect(calls).toBe(1);
  });
});
