/**
 * ClickHouseStore against the real ClickHouse (a scratch database of this file):
 * exactly-once under redelivery, gaps, flush by size and by time, and apply()
 * resolving only once the rows are in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouse, ClickHouseError, quote } from '../../common/src/clickhouse.ts';
import { loadConfig } from '../../common/src/config.ts';
import { GapError } from '../shared/gap-error.ts';
import { event, grants, uniqueUser } from './test/events.ts';
import { toRow, TSV_COLUMNS } from './rows.ts';
import { scratchDatabase, type ScratchDatabase } from './test/scratch-db.ts';
import { ClickHouseStore } from './writer.ts';
import { setTimeout as sleep } from 'node:timers/promises';

let db: ScratchDatabase;
beforeAll(async () => { db = await scratchDatabase(); });
afterAll(async () => { await db?.drop(); });

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
    void applying.then(() => { resolved = true; });
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

  it('throws GapError on a gap and writes none of that user\'s events, but writes the other users', async () => {
    const store = new ClickHouseStore(db.ch, { maxDelayMs: 20 });
    const gapUser = uniqueUser();
    const other = uniqueUser();
    await store.apply(grants(gapUser, 1, 2));
    const batch = [...grants(gapUser, 2, 2), ...grants(gapUser, 4, 6), ...grants(other, 1, 3)];
    const err = await store.apply(batch).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(GapError);
    expect(err).toMatchObject({ userId: gapUser, expectedSeq: 3, gotSeq: 4 });
    expect(await rawRows(gapUser)).toEqual([1, 2]);
    expect(await rawRows(other)).toEqual([1, 2, 3]);
    // Once the missing event comes, the user goes on.
    expect(await store.apply(grants(gapUser, 1, 6))).toEqual({ applied: 4, duplicates: 2 });
    expect(await rawRows(gapUser)).toEqual(range(1, 6));
  });

  it('a gap in one partition\'s batch does not fail the other partition\'s batch of the same flush', async () => {
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
    expect(await Promise.all([first, second])).toEqual([{ applied: 60, duplicates: 0 }, { applied: 40, duplicates: 0 }]);
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

  it('stores every value as toRow has it, awkward strings and far dates included (the TabSeparated insert)', async () => {
    const store = new ClickHouseStore(db.ch, { maxDelayMs: 20 });
    const user = `${uniqueUser()}-'\t\\N\n"`;
    const events = [
      event(user, 1, 'POINTS_GRANTED', 100, {
        balanceAfter: 100, grantId: "g'1\\", expiresAt: Date.UTC(2124, 5, 1, 1, 2, 3, 4), occurredAt: Date.UTC(2024, 1, 29, 23, 59, 58, 999),
        reason: "tab\there, 'quote' \\N \r\b\f\0 é 😀 [x]", source: '\\N',
      }),
      event(user, 2, 'POINTS_USED', 30, {
        balanceAfter: 70, useId: 'use\t1', orderId: null, occurredAt: Date.UTC(1999, 11, 31, 23, 59, 59, 500),
        allocations: [{ grantId: "g'1\\", amount: 20 }, { grantId: "a,'b']\n", amount: 10 }],
      }),
    ];
    expect(await store.apply(events)).toEqual({ applied: 2, duplicates: 0 });
    const rows = await db.ch.query<Record<string, unknown>>(
      `SELECT ${TSV_COLUMNS.join(', ')} FROM events WHERE userId = ${quote(user)} ORDER BY seq`,
    );
    // 18.16 writes 64-bit integers as JSON strings.
    const norm = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k,
      typeof v === 'string' && /^(seq|amount|balanceAfter|occurredAtMs|expiresAtMs)$/.test(k) ? Number(v)
        : k === 'allocAmounts' ? (v as unknown[]).map(Number) : v]));
    expect(rows.map(norm)).toEqual(events.map(toRow));
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
