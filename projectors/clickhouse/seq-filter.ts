/**
 * Which events of a flush get inserted (ADR 0005). Pure: given the batches of a
 * flush (one per apply() call, in arrival order) and the highest seq ClickHouse
 * already holds per user, it keeps each user's events whose seq is the next one:
 *
 * - seq below the next one: already applied, a duplicate (counted, skipped);
 * - seq = the next one: kept, and the next one moves on;
 * - seq above the next one: a gap. None of that user's events of this flush is
 *   kept, and every batch that brought one of them fails with the GapError (the
 *   runner stops that partition without committing). Other users are unaffected.
 */
import type { PointEvent } from '../../api/src/points/types.ts';
import { GapError } from '../shared/gap-error.ts';

export interface BatchOutcome {
  /** Events of this batch that are inserted. */
  applied: number;
  /** Events of this batch at or below the user's seq in ClickHouse (or repeated). */
  duplicates: number;
  /** Set when one of this batch's users has a gap: the batch must fail with it. */
  gap?: GapError;
}

export interface InsertPlan {
  /** What to insert, in the order the events came. */
  events: PointEvent[];
  /** One outcome per batch, in the batches' order. */
  outcomes: BatchOutcome[];
}

interface UserWalk {
  next: number;
  gap?: GapError;
  /** This user's kept events, as [batch index, position in the batch]. */
  kept: [number, number][];
  /** Batches that brought events of this user that were not duplicates. */
  batches: Set<number>;
}

export function planInsert(batches: readonly (readonly PointEvent[])[], maxSeq: ReadonlyMap<string, number>): InsertPlan {
  const outcomes: BatchOutcome[] = batches.map(() => ({ applied: 0, duplicates: 0 }));
  const users = new Map<string, UserWalk>();
  batches.forEach((batch, i) => {
    batch.forEach((e, pos) => {
      let u = users.get(e.userId);
      if (!u) {
        u = { next: (maxSeq.get(e.userId) ?? 0) + 1, kept: [], batches: new Set() };
        users.set(e.userId, u);
      }
      if (e.seq < u.next && !u.gap) {
        outcomes[i]!.duplicates++;
        return;
      }
      u.batches.add(i);
      if (u.gap) return;
      if (e.seq === u.next) {
        u.kept.push([i, pos]);
        u.next++;
      } else {
        u.gap = new GapError(e.userId, u.next, e.seq);
      }
    });
  });
  const keep = batches.map(() => new Set<number>());
  for (const u of users.values()) {
    if (u.gap) {
      for (const i of u.batches) outcomes[i]!.gap ??= u.gap;
      continue;
    }
    for (const [i, pos] of u.kept) {
      outcomes[i]!.applied++;
      keep[i]!.add(pos);
    }
  }
  const events = batches.flatMap((b, i) => b.filter((_, pos) => keep[i]!.has(pos)));
  return { events, outcomes };
}
