/**
 * Two ClickHouse projector instances writing the same users at once (issue 12): during a
 * rebalance the instance that lost a partition may still flush a batch of it while the
 * new owner, which starts again from the committed offset, flushes the same events.
 *
 * The real ClickHouseStore runs twice against a simulated `events` table, and fast-check's
 * scheduler interleaves every read of the stored max seq and every INSERT of both in any
 * order. What must hold, whatever the order:
 * - no gap is ever reported (each store's events follow what it inserted itself, and the
 *   max it reads is at least that);
 * - the seqs stored per user are always 1..max, without a hole (each INSERT starts right
 *   after a max that was stored when it was read): the next max-seq check stays right;
 * - a copy inserted by both has the same key (userId, seq) and the same content, so the
 *   table with copies folded (ReplacingMergeTree, what FINAL reads) is exactly the
 *   ledger, and so are its totals.
 * The stores keep no seq of their own between flushes: every flush asks the table, so an
 * instance that owned a partition before has no memory of it to go stale.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClickHouse } from '../../common/src/clickhouse.ts';
import type { PointEvent } from '../../schemas/point-event.ts';
import { TSV_COLUMNS } from './rows.ts';
import { grants } from './test/events.ts';
import { ClickHouseStore } from './writer.ts';

const col = (name: (typeof TSV_COLUMNS)[number]) => TSV_COLUMNS.indexOf(name);

/** `events` as ClickHouse holds it: every inserted row, copies included; reads and inserts happen when the scheduler lets them. */
class SimulatedEvents {
  readonly rows: { userId: string; seq: number; amount: number; eventId: string }[] = [];
  holes: string[] = [];

  constructor(private readonly s: fc.Scheduler) {}

  /** The max-seq check of ClickHouseStore (SELECT userId, max(seq) ... WHERE userId IN (SELECT arrayJoin([...]))). */
  query = async <T>(sql: string): Promise<T[]> => {
    const list = /arrayJoin\(\[(.*)\]\)/.exec(sql)?.[1];
    if (list === undefined) throw new Error(`unexpected query: ${sql}`);
    const users = new Set([...list.matchAll(/'([^']*)'/g)].map((m) => m[1]!));
    await this.s.schedule(Promise.resolve(), 'read max(seq)');
    const max = new Map<string, number>();
    for (const r of this.rows) if (users.has(r.userId)) max.set(r.userId, Math.max(max.get(r.userId) ?? 0, r.seq));
    return [...max].map(([userId, maxSeq]) => ({ userId, maxSeq })) as T[];
  };

  /** One INSERT ... FORMAT TabSeparated: lands whole (one part), when the scheduler lets it. */
  exec = async (sql: string): Promise<void> => {
    const lines = sql.split('\n').slice(1).filter(Boolean);
    await this.s.schedule(Promise.resolve(), `insert ${lines.length} rows`);
    for (const l of lines) {
      const f = l.split('\t');
      this.rows.push({ userId: f[col('userId')]!, seq: Number(f[col('seq')]), amount: Number(f[col('amount')]), eventId: f[col('eventId')]! });
    }
    // After every part: each user's distinct seqs are 1..max.
    for (const [user, seqs] of this.distinctSeqs()) {
      if (seqs.some((s, i) => s !== i + 1)) this.holes.push(`${user}: ${seqs.join(',')}`);
    }
  };

  distinctSeqs(): Map<string, number[]> {
    const out = new Map<string, Set<number>>();
    for (const r of this.rows) {
      const s = out.get(r.userId) ?? new Set<number>();
      s.add(r.seq);
      out.set(r.userId, s);
    }
    return new Map([...out].map(([u, s]) => [u, [...s].sort((a, b) => a - b)]));
  }

  /** What FINAL reads: one row per (userId, seq), the copies folded (they must be equal). */
  final(): Map<string, { amount: number; eventId: string }> {
    const out = new Map<string, { amount: number; eventId: string }>();
    for (const r of this.rows) {
      const key = `${r.userId}|${r.seq}`;
      const had = out.get(key);
      if (had && (had.amount !== r.amount || had.eventId !== r.eventId)) throw new Error(`two different rows for ${key}`);
      out.set(key, { amount: r.amount, eventId: r.eventId });
    }
    return out;
  }
}

/** A partition's events: the users' histories interleaved (each user in seq order), as Kafka delivers them. */
function partitionOf(lengths: number[], order: number[]): PointEvent[] {
  const histories = lengths.map((n, u) => grants(`u${u}`, 1, n));
  const next = histories.map(() => 0);
  const out: PointEvent[] = [];
  for (const pick of order) {
    const u = pick % histories.length;
    const e = histories[u]![next[u]!];
    if (e) {
      out.push(e);
      next[u]!++;
    }
  }
  histories.forEach((h, u) => {
    out.push(...h.slice(next[u]));
  });
  return out;
}

/** An instance consuming the partition from `from` to `to` (batch by batch, each applied before the next, as the runner does). */
async function consume(store: ClickHouseStore, batches: PointEvent[][], from: number, to: number): Promise<{ applied: number; duplicates: number }> {
  const total = { applied: 0, duplicates: 0 };
  for (let i = from; i < to; i++) {
    const r = await store.apply(batches[i]!);
    total.applied += r.applied;
    total.duplicates += r.duplicates;
  }
  return total;
}

describe('two ClickHouse writers on the same partition at once (a rebalance overlap)', () => {
  it('property: partitions handed A → B → A, each old owner finishing its batches beside the new one: no gap, stored seqs always 1..max, the folded table (FINAL) is the ledger', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(3), { maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 20 }),
        fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat()),
        async (s, lengths, order, sizes, [x1, y1, x2, y2]) => {
          const events = partitionOf(lengths, order);
          const batches: PointEvent[][] = [];
          for (let at = 0, i = 0; at < events.length; i++) {
            const n = sizes[i % sizes.length]!;
            batches.push(events.slice(at, at + n));
            at += n;
          }
          // A consumed up to `lost1` when the partition went to B, having committed up to
          // `commit1` (≤ lost1); A still finishes up to lost1 while B starts at commit1. B
          // loses it at `lost2` (committed `commit2`) and A, which owned it before, gets it
          // back from commit2 while B finishes. Whoever got it last reads to the end.
          const lost1 = x1 % (batches.length + 1);
          const commit1 = y1 % (lost1 + 1);
          const lost2 = commit1 + (x2 % (batches.length - commit1 + 1));
          const commit2 = commit1 + (y2 % (lost2 - commit1 + 1));
          const table = new SimulatedEvents(s);
          const ch = { query: table.query, exec: table.exec } as unknown as ClickHouse;
          const a = new ClickHouseStore(ch, { flushWhenCallersWaiting: 1 });
          const b = new ClickHouseStore(ch, { flushWhenCallersWaiting: 1 });
          await s.waitFor(consume(a, batches, 0, commit1));
          const aTail = consume(a, batches, commit1, lost1);
          // B committed up to commit2 (so it applied that far) before A is given the partition again.
          const bHead = consume(b, batches, commit1, commit2);
          const bTail = bHead.then(() => consume(b, batches, commit2, lost2));
          // A rejoins only once its own batches are done (kafkajs finishes them before it rejoins).
          const aAgain = Promise.all([aTail, bHead]).then(() => consume(a, batches, commit2, batches.length));
          await s.waitFor(Promise.all([aTail, bTail, aAgain]));

          expect(table.holes).toEqual([]);
          const final = table.final();
          expect(final.size).toBe(events.length);
          for (const e of events) expect(final.get(`${e.userId}|${e.seq}`)).toEqual({ amount: e.amount, eventId: e.eventId });
          // Totals over the folded table are the ledger's; the copies are only in the raw rows.
          const folded = [...final.values()].reduce((t, r) => t + r.amount, 0);
          expect(folded).toBe(events.reduce((t, e) => t + e.amount, 0));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the same batch flushed by both at the same moment: two copies of each row, one after folding', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const table = new SimulatedEvents(s);
        const ch = { query: table.query, exec: table.exec } as unknown as ClickHouse;
        const batch = grants('u', 1, 5);
        const both = Promise.all([
          new ClickHouseStore(ch, { flushWhenCallersWaiting: 1 }).apply(batch),
          new ClickHouseStore(ch, { flushWhenCallersWaiting: 1 }).apply(batch),
        ]);
        const [x, y] = await s.waitFor(both);
        // Either both read max 0 before either insert (two copies) or one saw the other's rows (duplicates).
        expect(x.applied + x.duplicates).toBe(5);
        expect(y.applied + y.duplicates).toBe(5);
        expect(table.rows.length).toBe(x.applied + y.applied);
        expect(table.final().size).toBe(5);
        expect(table.holes).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });
});
