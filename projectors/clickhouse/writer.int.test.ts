/**
 * ClickHouseStore against the real ClickHouse (a scratch database of this file):
 * exactly-once under redelivery, gaps, flush by size and by time, apply() resolving
 * only once the rows are in, and two instances writing the same users at once (a
 * rebalance overlap: totals exact with FINAL, stored seqs without a hole). In the
 * cluster topology `events` is the Distributed table over two shards (ADR 0012): every
 * test here then also checks that the store reads what it wrote (synchronous inserts),
 * and the last one where the rows went.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouse, ClickHouseError, quote, quoteList } from '../../common/src/clickhouse.ts';
import { loadConfig } from '../../common/src/config.ts';
import { GapError } from '../shared/gap-error.ts';
import { totalsPerUserAndType } from './analytics.ts';
import { onEveryServer } from './client.ts';
import { event, grants, LedgerBuilder, uniqueUser } from './test/events.ts';
import type { PointEvent } from '../../schemas/point-event.ts';
import { toRow, TSV_COLUMNS } from './rows.ts';
import { scratchDatabase, type ScratchDatabase } from './test/scratch-db.ts';
import { ClickHouseStore } from './writer.ts';
import { setTimeout as sleep } from 'node:timers/promises';

let db: ScratchDatabase;
beforeAll(async () => {
  db = await scratchDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/** Rows stored for a user, duplicates included (no FINAL): what was really inserted. */
async function rawRows(userId: string): Promise<number[]> {
  const rows = await db.ch.query<{ seq: string }>(`SELECT seq FROM events WHERE userId = ${quote(userId)} ORDER BY seq`);
  return rows.map((r) => Number(r.seq));
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('ClickHouseStore', () => {
  it('resolves apply() only once the rows are visible in ClickHouse', async () => {
    const store = new ClickHouseStore(db.ch, { maxDelayMs: 300 });
    const user = uniqueUser();
    const applying = store.apply(grants(user, 1, 4));
    let resolved = false;
    void applying.then(() => {
      resolved = true;
    });
    // Still buffered: nothing written, nothing resolved.
    expect(await rawRows(user)).toEqual([]);
    expect(resolved).toBe(false);
    expect(await applying).toEqual({ applied: 4, duplicates: 0 });
    // Resolved: every row is there, without waiting any further.
    expect(await rawRows(user)).toEqual([1, 2, 3, 4]);
  });

  it('applies events once when they come again, and counts the duplicates', async () => {
    const store = new ClickHouseStore(db.ch, { maxDelayMs: 20 });
    const user = uniqueUser();
    const events = grants(user, 1, 5);
    expect(await store.apply(events)).toEqual({ applied: 5, duplicates: 0 });
    expect(await store.apply(events)).toEqual({ applied: 0, duplicates: 5 });
    // A redelivery overlapping what is stored: only the new tail is written.
    expect(await store.apply(grants(user, 3, 8))).toEqual({ applied: 3, duplicates: 3 });
    // A fresh store (a restarted projector) knows only what ClickHouse holds.
    const restarted = new ClickHouseStore(db.ch, { maxDelayMs: 20 });
    expect(await restarted.apply(grants(user, 1, 8))).toEqual({ applied: 0, duplicates: 8 });
    expect(await rawRows(user)).toEqual(range(1, 8));
    expect(store.stats.duplicates).toBe(8);
  });

  it("throws GapError on a gap and writes none of that user's events, but writes the other users", async () => {
    const store = new ClickHouseStore(db.ch, { maxDelayMs: 20 });
    const gapUser = uniqueUser();
    const other = uniqueUser();
    await store.apply(grants(gapUser, 1, 2));
    const batch = [...grants(gapUser, 2, 2), ...grants(gapUser, 4, 6), ...grants(other, 1, 3)];
    const err = await store.apply(batch).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GapError);
    expect(err).toMatchObject({ userId: gapUser, expectedSeq: 3, gotSeq: 4 });
    expect(await rawRows(gapUser)).toEqual([1, 2]);
    expect(await rawRows(other)).toEqual([1, 2, 3]);
    // Once the missing event comes, the user goes on.
    expect(await store.apply(grants(gapUser, 1, 6))).toEqual({ applied: 4, duplicates: 2 });
    expect(await rawRows(gapUser)).toEqual(range(1, 6));
  });

  it("a gap in one partition's batch does not fail the other partition's batch of the same flush", async () => {
    const store = new ClickHouseStore(db.ch, { maxDelayMs: 100 });
    const a = uniqueUser();
    const b = uniqueUser();
    const [ra, rb] = await Promise.allSettled([store.apply(grants(a, 2, 3)), store.apply(grants(b, 1, 3))]);
    expect(ra.status === 'rejected' && ra.reason instanceof GapError).toBe(true);
    expect(rb).toEqual({ status: 'fulfilled', value: { applied: 3, duplicates: 0 } });
    expect(store.stats.flushes.time).toBe(1);
    expect(await rawRows(a)).toEqual([]);
    expect(await rawRows(b)).toEqual([1, 2, 3]);
  });

  it('flushes by size: two concurrent batches reaching maxEvents go out together, at once', async () => {
    const store = new ClickHouseStore(db.ch, { maxEvents: 100, maxDelayMs: 20_000 });
    const a = uniqueUser();
    const b = uniqueUser();
    const started = Date.now();
    const first = store.apply(grants(a, 1, 60));
    const second = store.apply(grants(b, 1, 40));
    expect(await Promise.all([first, second])).toEqual([
      { applied: 60, duplicates: 0 },
      { applied: 40, duplicates: 0 },
    ]);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(5_000); // far below maxDelayMs: the size triggered it
    expect(store.stats.flushes).toEqual({ size: 1, time: 0, callers: 0, manual: 0 });
    expect(store.stats.last).toMatchObject({ reason: 'size', events: 100, inserted: 100 });
    expect((await rawRows(a)).length + (await rawRows(b)).length).toBe(100);
  });

  it('flushes by time: a small batch waits maxDelayMs, and batches arriving meanwhile join it', async () => {
    const store = new ClickHouseStore(db.ch, { maxEvents: 5000, maxDelayMs: 400 });
    const a = uniqueUser();
    const b = uniqueUser();
    const started = Date.now();
    const first = store.apply(grants(a, 1, 3));
    await sleep(100);
    const second = store.apply(grants(b, 1, 2));
    const [ra, rb] = await Promise.all([first.then((r) => [r, Date.now() - started] as const), second]);
    expect(ra[0]).toEqual({ applied: 3, duplicates: 0 });
    expect(rb).toEqual({ applied: 2, duplicates: 0 });
    expect(ra[1]).toBeGreaterThanOrEqual(395); // the timer starts with the first buffered event
    expect(ra[1]).toBeLessThan(3_000);
    expect(store.stats.flushes).toEqual({ size: 0, time: 1, callers: 0, manual: 0 });
    expect(store.stats.last).toMatchObject({ reason: 'time', events: 5, inserted: 5 });
  });

  it('flushes when every caller in flight is waiting, without waiting for size or time', async () => {
    const store = new ClickHouseStore(db.ch, { maxEvents: 5000, maxDelayMs: 20_000, flushWhenCallersWaiting: 2 });
    const a = uniqueUser();
    const b = uniqueUser();
    const started = Date.now();
    const first = store.apply(grants(a, 1, 3));
    const second = store.apply(grants(b, 1, 2));
    expect(await first).toEqual({ applied: 3, duplicates: 0 });
    expect(await second).toEqual({ applied: 2, duplicates: 0 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(store.stats.flushes).toEqual({ size: 0, time: 0, callers: 1, manual: 0 });
  });

  it('spaces flushes for waiting callers by minIntervalMs: the first at once, the next one after the interval', async () => {
    const store = new ClickHouseStore(db.ch, { maxEvents: 5000, maxDelayMs: 20_000, minIntervalMs: 600 });
    const a = uniqueUser();
    const started = Date.now();
    const first = store.apply(grants(a, 1, 2));
    store.allCallersWaiting();
    expect(await first).toEqual({ applied: 2, duplicates: 0 });
    const firstMs = Date.now() - started;
    const second = store.apply(grants(a, 3, 4));
    store.allCallersWaiting();
    expect(await second).toEqual({ applied: 2, duplicates: 0 });
    expect(firstMs).toBeLessThan(550);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(store.stats.flushes).toEqual({ size: 0, time: 0, callers: 2, manual: 0 });
    expect(await rawRows(a)).toEqual(range(1, 4));
  });

  it('flush() writes what is buffered now (shutdown)', async () => {
    const store = new ClickHouseStore(db.ch, { maxDelayMs: 60_000 });
    const user = uniqueUser();
    const applying = store.apply(grants(user, 1, 2));
    await store.flush();
    expect(await applying).toEqual({ applied: 2, duplicates: 0 });
    expect(store.stats.flushes.manual).toBe(1);
    expect(await rawRows(user)).toEqual([1, 2]);
  });

  it('rejects every apply() of a flush whose INSERT fails, and a retry then applies them once', async () => {
    const config = loadConfig();
    const broken = new ClickHouse(config.clickhouse.url, config.clickhouse.writer, `${db.name}_missing`);
    const failing = new ClickHouseStore(broken, { maxDelayMs: 20 });
    const user = uniqueUser();
    const results = await Promise.allSettled([failing.apply(grants(user, 1, 2)), failing.apply(grants(uniqueUser(), 1, 1))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(ClickHouseError);
    expect(failing.stats.failedFlushes).toBe(1);
    const store = new ClickHouseStore(db.ch, { maxDelayMs: 20 });
    expect(await store.apply(grants(user, 1, 2))).toEqual({ applied: 2, duplicates: 0 });
    expect(await rawRows(user)).toEqual([1, 2]);
  });

  it('stores every value as toRow has it, of every event type, awkward strings and far dates included (the TabSeparated insert)', async () => {
    const store = new ClickHouseStore(db.ch, { maxDelayMs: 20 });
    const user = `${uniqueUser()}-'\t\\N\n"`;
    const events = [
      event(user, 1, 'POINTS_GRANTED', 100, {
        balanceAfter: 100,
        grantId: "g'1\\",
        expiresAt: Date.UTC(2124, 5, 1, 1, 2, 3, 4),
        occurredAt: Date.UTC(2024, 1, 29, 23, 59, 58, 999),
        reason: "tab\there, 'quote' \\N \r\b\f\0 é 😀 [x]",
        source: '\\N',
      }),
      event(user, 2, 'POINTS_USED', 30, {
        balanceAfter: 70,
        useId: 'use\t1',
        orderId: null,
        occurredAt: Date.UTC(1999, 11, 31, 23, 59, 59, 500),
        allocations: [
          { grantId: "g'1\\", amount: 20 },
          { grantId: "a,'b']\n", amount: 10 },
        ],
      }),
      // Schema version 2: every new type and field (ADR 0013).
      event(user, 3, 'POINTS_GRANT_PENDING', 60, {
        balanceAfter: 70,
        pendingAfter: 60,
        grantId: 'g\tp',
        availableAt: Date.UTC(2124, 0, 1, 0, 0, 0, 9),
        expiresAt: Date.UTC(2124, 5, 1),
        orderId: "o'1",
      }),
      event(user, 4, 'POINTS_GRANT_ACTIVATED', 60, { balanceAfter: 130, pendingAfter: 0, grantId: 'g\tp', reason: 'available' }),
      event(user, 5, 'POINTS_HELD', 40, {
        balanceAfter: 90,
        heldAfter: 40,
        holdId: "h'\\N\t1",
        expiresAt: Date.UTC(2024, 2, 1, 0, 15),
        allocations: [
          { grantId: "g'1\\", amount: 30 },
          { grantId: 'g\tp', amount: 10 },
        ],
      }),
      event(user, 6, 'POINTS_USED', 30, {
        balanceAfter: 90,
        heldAfter: 10,
        useId: 'use-2',
        holdId: "h'\\N\t1",
        allocations: [{ grantId: "g'1\\", amount: 30 }],
      }),
      event(user, 7, 'POINTS_HOLD_RELEASED', 10, {
        balanceAfter: 100,
        heldAfter: 0,
        holdId: "h'\\N\t1",
        allocations: [{ grantId: 'g\tp', amount: 10 }],
      }),
      event(user, 8, 'POINTS_REVOKED', 5, { balanceAfter: 95, grantId: 'g\tp', heldAfter: Number.MAX_SAFE_INTEGER, pendingAfter: 2 ** 40 }),
    ];
    expect(await store.apply(events)).toEqual({ applied: 8, duplicates: 0 });
    const rows = await db.ch.query<Record<string, unknown>>(`SELECT ${TSV_COLUMNS.join(', ')} FROM events WHERE userId = ${quote(user)} ORDER BY seq`);
    // 18.16 writes 64-bit integers as JSON strings.
    const norm = (r: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [
          k,
          typeof v === 'string' && /^(seq|amount|balanceAfter|occurredAtMs|expiresAtMs|availableAtMs|heldAfter|pendingAfter)$/.test(k)
            ? Number(v)
            : k === 'allocAmounts'
              ? (v as unknown[]).map(Number)
              : v,
        ]),
      );
    expect(rows.map(norm)).toEqual(events.map(toRow));
  });

  it('two instances on the same partition at once (A loses it to B and finishes its batches, then gets it back): no gap, no hole, totals exact with FINAL', async () => {
    const users = Array.from({ length: 5 }, () => uniqueUser());
    // Each user's ledger: grants and uses, so that a double-counted row would show in the totals.
    const histories = users.map((u) => {
      const l = new LedgerBuilder(u);
      for (let i = 1; i <= 20; i++) {
        l.grant(`${u}-g${i}`, 100 + i, Date.UTC(2024, 0, 1, 0, i), Date.UTC(2030, 0, 1));
        l.use(`${u}-u${i}`, [{ grantId: `${u}-g${i}`, amount: 7 + i }], Date.UTC(2024, 0, 1, 1, i));
      }
      return l.events;
    });
    // The partition: the users interleaved, in batches of 15 events.
    const partition: PointEvent[] = [];
    for (let i = 0; i < 40; i++) for (const h of histories) partition.push(h[i]!);
    const batches: PointEvent[][] = [];
    for (let at = 0; at < partition.length; at += 15) batches.push(partition.slice(at, at + 15));
    const consume = async (store: ClickHouseStore, from: number, to: number) => {
      const r = { applied: 0, duplicates: 0 };
      for (let i = from; i < to; i++) {
        const x = await store.apply(batches[i]!);
        r.applied += x.applied;
        r.duplicates += x.duplicates;
      }
      return r;
    };
    // Flush at once when a batch waits: the two instances' checks and inserts race.
    const a = new ClickHouseStore(db.ch, { flushWhenCallersWaiting: 1 });
    const b = new ClickHouseStore(db.ch, { flushWhenCallersWaiting: 1 });
    await consume(a, 0, 3); // A applied and committed batches 0..2
    // A still applies 3..5 (it lost the partition, not yet knowing), B starts at the commit, 3.
    const [aTail, bHead] = await Promise.all([consume(a, 3, 6), consume(b, 3, 8)]);
    // B committed up to 8 and loses the partition to A (who had it before) while finishing 8..9.
    const [bTail, aAgain] = await Promise.all([consume(b, 8, 10), consume(a, 8, batches.length)]);
    const applied = 45 + aTail.applied + bHead.applied + bTail.applied + aAgain.applied;
    const raw = await Promise.all(users.map(rawRows));
    const copies = raw.reduce((n, r) => n + r.length, 0) - partition.length;
    console.log(
      `[overlap] ${partition.length} events, ${applied} inserted by the two instances; ${copies} copies still in the raw table (background merges fold the others)`,
    );
    // No hole: each user's distinct seqs are 1..40; copies at most what was inserted twice.
    for (const r of raw) expect([...new Set(r)]).toEqual(range(1, 40));
    expect(applied).toBeGreaterThanOrEqual(partition.length);
    expect(copies).toBeLessThanOrEqual(applied - partition.length);
    // FINAL folds the copies: totals per user and type are the ledger's.
    const totals = await totalsPerUserAndType(db.ch, users);
    for (const h of histories) {
      for (const type of ['POINTS_GRANTED', 'POINTS_USED'] as const) {
        const of = h.filter((e) => e.type === type);
        expect(totals.get(`${h[0]!.userId}|${type}`)).toEqual({ amount: of.reduce((t, e) => t + e.amount, 0), count: of.length });
      }
    }
    // A third instance (a restart) finds nothing to write.
    expect(await new ClickHouseStore(db.ch, { maxDelayMs: 20 }).apply(partition)).toEqual({ applied: 0, duplicates: partition.length });
  });

  it('checks the max seq of thousands of users in one flush (IN lists stay under max_query_size)', async () => {
    const store = new ClickHouseStore(db.ch, { maxEvents: 6000, maxDelayMs: 20 });
    const prefix = `${uniqueUser()}-${'p'.repeat(40)}`;
    const events = Array.from({ length: 6000 }, (_, i) => grants(`${prefix}-${i}`, 1, 1)[0]!);
    expect(await store.apply(events)).toEqual({ applied: 6000, duplicates: 0 });
    expect(await store.apply(events)).toEqual({ applied: 0, duplicates: 6000 });
    const [row] = await db.ch.query<{ n: string }>(`SELECT count() AS n FROM events WHERE userId LIKE ${quote(`${prefix}-%`)}`);
    expect(Number(row!.n)).toBe(6000);
  });
});

// Both topologies: in single the one server holds every user; in cluster `events` is the
// Distributed table and the rows spread over the shards.
describe('ClickHouseStore on every server (cluster: the Distributed table)', () => {
  it("puts every user's rows on one server, users on every server, and the next seq check sees every row at once", async () => {
    const config = loadConfig();
    const store = new ClickHouseStore(db.ch, { maxDelayMs: 20 });
    const users = Array.from({ length: 40 }, () => uniqueUser());
    const events = users.flatMap((u) => grants(u, 1, 3));
    expect(await store.apply(events)).toEqual({ applied: 120, duplicates: 0 });
    // At once, through the Distributed table: an asynchronous insert would still sit on the
    // entry server here, and this second apply would insert copies.
    expect(await store.apply(events)).toEqual({ applied: 0, duplicates: 120 });
    // Each server's own table: every user whole on exactly one of them, and each holds some.
    const perServer: Map<string, number>[] = [];
    await onEveryServer(config, db.name, async (ch) => {
      const rows = await ch.query<{ userId: string; n: string }>(
        `SELECT userId, count() AS n FROM ${db.localTable} WHERE userId IN ${quoteList(users)} GROUP BY userId`,
      );
      perServer.push(new Map(rows.map((r) => [r.userId, Number(r.n)])));
    });
    expect(perServer).toHaveLength(config.clickhouse.nodes.length);
    for (const m of perServer) expect(m.size).toBeGreaterThan(0);
    const whole = [...Array(perServer.length - 1).fill(0), 3];
    for (const u of users) expect(perServer.map((m) => m.get(u) ?? 0).sort()).toEqual(whole);
  });
});
