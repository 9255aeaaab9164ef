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
import type { PointEvent } from '../../schemas/point-event.ts';
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
  /** The next seq to keep (first walk). */
  next: number;
  gap?: GapError;
  /** Batches that brought events of this user that were not duplicates, in order, each once. */
  batches: number[];
  /** The next seq to keep, again from the stored max (second walk, users without a gap). */
  again: number;
}

export function planInsert(batches: readonly (readonly PointEvent[])[], maxSeq: ReadonlyMap<string, number>): InsertPlan {
  const outcomes: BatchOutcome[] = batches.map(() => ({ applied: 0, duplicates: 0 }));
  const users = new Map<string, UserWalk>();
  // First walk: duplicates, and which users have a gap (then none of their events is kept).
  for (let i = 0; i < batches.length; i++) {
    for (const e of batches[i]!) {
      let u = users.get(e.userId);
      if (!u) {
        const stored = (maxSeq.get(e.userId) ?? 0) + 1;
        u = { next: stored, batches: [], again: stored };
        users.set(e.userId, u);
      }
      if (e.seq < u.next && !u.gap) {
        outcomes[i]!.duplicates++;
        continue;
      }
      if (u.batches[u.batches.length - 1] !== i) u.batches.push(i);
      if (u.gap) continue;
      if (e.seq === u.next) u.next++;
      else u.gap = new GapError(e.userId, u.next, e.seq);
    }
  }
  for (const u of users.values()) {
    if (u.gap) for (const i of u.batches) outcomes[i]!.gap ??= u.gap;
  }
  // Second walk: the same choice for the users without a gap, collecting what is kept in order.
  const events: PointEvent[] = [];
  for (let i = 0; i < batches.length; i++) {
    for (const e of batches[i]!) {
      const u = users.get(e.userId)!;
      if (u.gap || e.seq !== u.again) continue;
      u.again++;
      outcomes[i]!.applied++;
      events.push(e);
    }
  }
  return { events, outcomes };
}
