import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GapError } from '../shared/gap-error.ts';
import { planInsert } from './seq-filter.ts';
import { grants } from './test/events.ts';

const seqs = (events: { userId: string; seq: number }[]) => events.map((e) => `${e.userId}:${e.seq}`);

describe('planInsert', () => {
  it('keeps everything for users ClickHouse has not seen', () => {
    const a = grants('a', 1, 3);
    const b = grants('b', 1, 2);
    const plan = planInsert([a, b], new Map());
    expect(seqs(plan.events)).toEqual(['a:1', 'a:2', 'a:3', 'b:1', 'b:2']);
    expect(plan.outcomes).toEqual([
      { applied: 3, duplicates: 0 },
      { applied: 2, duplicates: 0 },
    ]);
  });

  it('skips and counts what ClickHouse already holds', () => {
    const plan = planInsert([grants('a', 1, 5)], new Map([['a', 3]]));
    expect(seqs(plan.events)).toEqual(['a:4', 'a:5']);
    expect(plan.outcomes).toEqual([{ applied: 2, duplicates: 3 }]);
  });

  it('skips a replay inside the flush (1..3 then 2..4) and across batches', () => {
    const batch1 = [...grants('a', 1, 3), ...grants('a', 2, 4)];
    const batch2 = grants('a', 3, 5);
    const plan = planInsert([batch1, batch2], new Map());
    expect(seqs(plan.events)).toEqual(['a:1', 'a:2', 'a:3', 'a:4', 'a:5']);
    expect(plan.outcomes).toEqual([
      { applied: 4, duplicates: 2 },
      { applied: 1, duplicates: 2 },
    ]);
  });

  it('the same batch applied twice in one flush is written once', () => {
    const batch = grants('a', 1, 3);
    const plan = planInsert([batch, batch], new Map());
    expect(plan.events).toHaveLength(3);
    expect(plan.outcomes).toEqual([
      { applied: 3, duplicates: 0 },
      { applied: 0, duplicates: 3 },
    ]);
  });

  it('a gap keeps none of that user, fails the batches that hold them, and keeps the other users', () => {
    const batch1 = [...grants('a', 1, 2), ...grants('gap', 5, 6), ...grants('b', 1, 1)];
    const batch2 = grants('c', 1, 2);
    const plan = planInsert([batch1, batch2], new Map([['gap', 3]]));
    expect(seqs(plan.events)).toEqual(['a:1', 'a:2', 'b:1', 'c:1', 'c:2']);
    const gap = plan.outcomes[0]!.gap;
    expect(gap).toBeInstanceOf(GapError);
    expect(gap).toMatchObject({ userId: 'gap', expectedSeq: 4, gotSeq: 5 });
    expect(plan.outcomes[1]).toEqual({ applied: 2, duplicates: 0 });
  });

  it("a gap later in the flush drops the user's earlier events of the flush too", () => {
    const batch = [...grants('a', 1, 2), ...grants('a', 4, 4)];
    const plan = planInsert([batch], new Map());
    expect(plan.events).toEqual([]);
    expect(plan.outcomes[0]!.gap).toMatchObject({ userId: 'a', expectedSeq: 3, gotSeq: 4 });
  });

  it('a user whose events span two batches fails both when one of them has a gap', () => {
    const plan = planInsert([grants('a', 1, 2), grants('a', 4, 5)], new Map());
    expect(plan.events).toEqual([]);
    expect(plan.outcomes[0]!.gap).toMatchObject({ expectedSeq: 3, gotSeq: 4 });
    expect(plan.outcomes[1]!.gap).toBe(plan.outcomes[0]!.gap);
  });

  it('property: any redelivery of a gapless history writes seq max+1..n exactly once, in order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 30 }),
        fc.array(fc.tuple(fc.nat(29), fc.nat(29)), { maxLength: 6 }),
        (n, storedRaw, replays) => {
          const stored = Math.min(storedRaw, n);
          const history = grants('u', 1, n);
          // Delivery: the whole history, with ranges replayed after it (at-least-once).
          const delivered = [...history];
          for (const [x, y] of replays) delivered.push(...history.slice(Math.min(x, y) % n, (Math.max(x, y) % n) + 1));
          const cut = Math.floor(delivered.length / 2);
          const plan = planInsert([delivered.slice(0, cut), delivered.slice(cut)], new Map(stored > 0 ? [['u', stored]] : []));
          expect(plan.events.map((e) => e.seq)).toEqual(history.slice(stored).map((e) => e.seq));
          const applied = plan.outcomes.reduce((s, o) => s + o.applied, 0);
          const duplicates = plan.outcomes.reduce((s, o) => s + o.duplicates, 0);
          expect(applied).toBe(n - stored);
          expect(applied + duplicates).toBe(delivered.length);
          expect(plan.outcomes.every((o) => o.gap === undefined)).toBe(true);
        },
      ),
    );
  });
});
