/**
 * The analytics reads against the real ClickHouse, on a small hand-made ledger of three
 * users written through the ClickHouseStore into a scratch database; every number is
 * worked out by hand below. A duplicate row slipped in behind the store's back checks
 * that FINAL keeps the numbers exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyMovement, expiringPerDay, historyBefore, topUsers, totalsPerUserAndType, truncate } from './analytics.ts';
import { toRow } from './rows.ts';
import { LedgerBuilder, uniqueUser } from './test/events.ts';
import { scratchDatabase, type ScratchDatabase } from './test/scratch-db.ts';
import { ClickHouseStore, INSERT_SETTINGS } from './writer.ts';
import { onEveryServer } from './client.ts';
import { loadConfig } from '../../common/src/config.ts';

const t = (iso: string) => Date.parse(iso);
const A = uniqueUser('cha');
const B = uniqueUser('chb');
const C = uniqueUser('chc');
const g = (user: string, name: string) => `${user}-${name}`;

// User A: two grants; a use, partly cancelled; another use; the second grant revoked.
const a = new LedgerBuilder(A)
  .grant(g(A, 'g1'), 100, t('2024-03-01T10:00:00Z'), t('2024-03-12T12:00:00Z'), 'spring')
  .grant(g(A, 'g2'), 50, t('2024-03-01T11:00:00Z'), t('2024-03-15T00:00:00Z'), 'spring')
  .use('uA1', [{ grantId: g(A, 'g1'), amount: 70 }], t('2024-03-02T09:00:00Z'))
  .cancel('uA1', [{ grantId: g(A, 'g1'), amount: 20 }], t('2024-03-02T10:00:00Z'))
  .use('uA2', [{ grantId: g(A, 'g1'), amount: 30 }], t('2024-03-05T08:00:00Z'))
  .revoke(g(A, 'g2'), 50, t('2024-03-05T09:00:00Z'));
// lots: g1 = 100 - 70 + 20 - 30 = 20 (expires 03-12); g2 = 50 - 50 = 0

// User B: a grant that expires the same day and is swept; a use; a grant on the boundary.
const b = new LedgerBuilder(B)
  .grant(g(B, 'g1'), 200, t('2024-03-01T12:00:00Z'), t('2024-03-12T18:00:00Z'), 'welcome')
  .grant(g(B, 'g2'), 80, t('2024-03-01T13:00:00Z'), t('2024-03-01T20:00:00Z'))
  .expire(g(B, 'g2'), 80, t('2024-03-01T21:00:00Z'), t('2024-03-01T20:00:00Z'))
  .use('uB1', [{ grantId: g(B, 'g1'), amount: 150 }], t('2024-03-02T12:00:00Z'))
  .grant(g(B, 'g3'), 30, t('2024-03-05T10:00:00Z'), t('2024-04-20T00:00:00Z'), 'welcome');
// lots: g1 = 50 (03-12), g2 = 0, g3 = 30 (exactly 2024-04-20T00:00Z)

// User C: a use over two lots, fully cancelled; the earlier lot lapses and is swept on a day of its own.
const c = new LedgerBuilder(C)
  .grant(g(C, 'g1'), 40, t('2024-03-02T15:00:00Z'), t('2024-03-09T00:00:00Z'), 'spring')
  .grant(g(C, 'g2'), 10, t('2024-03-02T16:00:00Z'), t('2024-03-12T01:00:00Z'), 'spring')
  .use(
    'uC1',
    [
      { grantId: g(C, 'g1'), amount: 40 },
      { grantId: g(C, 'g2'), amount: 5 },
    ],
    t('2024-03-02T17:00:00Z'),
  )
  .cancel(
    'uC1',
    [
      { grantId: g(C, 'g2'), amount: 5 },
      { grantId: g(C, 'g1'), amount: 40 },
    ],
    t('2024-03-05T11:00:00Z'),
  )
  .expire(g(C, 'g1'), 40, t('2024-03-09T00:00:01Z'), t('2024-03-09T00:00:00Z'));
// lots: g1 = 0 (expired), g2 = 10 (03-12)

const now = t('2024-03-10T00:00:00Z');
let db: ScratchDatabase;
const config = loadConfig();

beforeAll(async () => {
  db = await scratchDatabase();
  await db.onEveryServer(`SYSTEM STOP MERGES ${db.localTable}`); // keep the duplicates below in their own part
  const store = new ClickHouseStore(db.ch, { maxDelayMs: 10 });
  expect(await store.apply([...a.events, ...b.events, ...c.events])).toEqual({ applied: 16, duplicates: 0 });
  // What ReplacingMergeTree is the backstop for: rows inserted twice (not merged yet).
  // (In cluster through the Distributed table, written to the shards before it returns.)
  await db.ch.insert('events', [toRow(a.events[0]!), toRow(b.events[3]!), toRow(c.events[2]!)], INSERT_SETTINGS);
});
afterAll(async () => {
  await db?.drop();
});

describe('analytics', () => {
  it('dailyMovement: points per type and active users per day with events, in the range', async () => {
    expect(await dailyMovement(db.ch, '2024-02-01', '2024-03-31')).toEqual([
      { day: '2024-03-01', granted: 430, used: 0, useCanceled: 0, expired: 80, revoked: 0, activeUsers: 2 },
      { day: '2024-03-02', granted: 50, used: 265, useCanceled: 20, expired: 0, revoked: 0, activeUsers: 3 },
      { day: '2024-03-05', granted: 30, used: 30, useCanceled: 45, expired: 0, revoked: 50, activeUsers: 3 },
      // Only the sweep moved points that day: nobody was active.
      { day: '2024-03-09', granted: 0, used: 0, useCanceled: 0, expired: 40, revoked: 0, activeUsers: 0 },
    ]);
    expect((await dailyMovement(db.ch, '2024-03-02', '2024-03-05')).map((d) => d.day)).toEqual(['2024-03-02', '2024-03-05']);
    expect(await dailyMovement(db.ch, '2024-03-06', '2024-03-08')).toEqual([]);
    await expect(dailyMovement(db.ch, "2024-03-01' OR 1=1", '2024-03-02')).rejects.toThrow(RangeError);
  });

  it('expiringPerDay: what each lot still holds, by its expiry day, only after now and within the window', async () => {
    // 03-12: A g1 20 + B g1 50 + C g2 10. A g2 (03-15) has nothing left; C g1 lapsed before now.
    expect(await expiringPerDay(db.ch, 30, now)).toEqual([{ day: '2024-03-12', points: 80, lots: 3 }]);
    // B g3 expires exactly 41 days after now: inside a 41-day window, outside a 40-day one.
    expect(await expiringPerDay(db.ch, 41, now)).toEqual([
      { day: '2024-03-12', points: 80, lots: 3 },
      { day: '2024-04-20', points: 30, lots: 1 },
    ]);
    expect(await expiringPerDay(db.ch, 40, now)).toHaveLength(1);
    // A later now and a shorter window still see the three lots of 03-12.
    expect(await expiringPerDay(db.ch, 2, t('2024-03-11T00:00:00Z'))).toEqual([{ day: '2024-03-12', points: 80, lots: 3 }]);
    // A lot expiring exactly now is no longer ahead.
    expect(await expiringPerDay(db.ch, 1, t('2024-03-12T18:00:00Z'))).toEqual([]);
    expect(await expiringPerDay(db.ch, 1, t('2024-03-12T12:00:00Z'))).toEqual([{ day: '2024-03-12', points: 50, lots: 1 }]);
  });

  it('topUsers: net earned (granted − revoked) and net spent (used − cancelled) in the range', async () => {
    expect(await topUsers(db.ch, 'earned', '2024-03-01', '2024-03-31', 10)).toEqual([
      { userId: B, points: 310 },
      { userId: A, points: 100 },
      { userId: C, points: 50 },
    ]);
    expect(await topUsers(db.ch, 'earned', '2024-03-01', '2024-03-31', 2)).toEqual([
      { userId: B, points: 310 },
      { userId: A, points: 100 },
    ]);
    // C's use was cancelled in full: C spent nothing.
    expect(await topUsers(db.ch, 'spent', '2024-03-01', '2024-03-31', 10)).toEqual([
      { userId: B, points: 150 },
      { userId: A, points: 80 },
    ]);
    expect(await topUsers(db.ch, 'spent', '2024-03-02', '2024-03-02', 10)).toEqual([
      { userId: B, points: 150 },
      { userId: A, points: 50 },
      { userId: C, points: 45 },
    ]);
  });

  it('totalsPerUserAndType: exact sums and counts per user and type, duplicates folded by FINAL', async () => {
    const raw = await db.ch.query<{ n: string }>('SELECT count() AS n FROM events');
    expect(Number(raw[0]!.n)).toBe(19); // 16 events + 3 duplicate rows not merged away
    const totals = await totalsPerUserAndType(db.ch, [A, B]);
    expect(Object.fromEntries(totals)).toEqual({
      [`${A}|POINTS_GRANTED`]: { amount: 150, count: 2 },
      [`${A}|POINTS_USED`]: { amount: 100, count: 2 },
      [`${A}|POINTS_USE_CANCELED`]: { amount: 20, count: 1 },
      [`${A}|POINTS_REVOKED`]: { amount: 50, count: 1 },
      [`${B}|POINTS_GRANTED`]: { amount: 310, count: 3 },
      [`${B}|POINTS_EXPIRED`]: { amount: 80, count: 1 },
      [`${B}|POINTS_USED`]: { amount: 150, count: 1 },
    });
    const all = await totalsPerUserAndType(db.ch);
    expect(all.size).toBe(7 + 4);
    expect(all.get(`${C}|POINTS_USE_CANCELED`)).toEqual({ amount: 45, count: 1 });
    expect((await totalsPerUserAndType(db.ch, [])).size).toBe(0);
  });

  it("historyBefore: older events newest first, in the API's item shape, null fields left out", async () => {
    const items = await historyBefore(db.ch, A, 5, 3);
    expect(items).toEqual([
      {
        eventId: `${A}-4`,
        seq: 4,
        type: 'POINTS_USE_CANCELED',
        amount: 20,
        balanceAfter: 100,
        occurredAt: '2024-03-02T10:00:00.000Z',
        useId: 'uA1',
        cancellationId: 'c-uA1-4',
      },
      {
        eventId: `${A}-3`,
        seq: 3,
        type: 'POINTS_USED',
        amount: 70,
        balanceAfter: 80,
        occurredAt: '2024-03-02T09:00:00.000Z',
        useId: 'uA1',
        orderId: 'o-uA1',
      },
      {
        eventId: `${A}-2`,
        seq: 2,
        type: 'POINTS_GRANTED',
        amount: 50,
        balanceAfter: 150,
        occurredAt: '2024-03-01T11:00:00.000Z',
        grantId: g(A, 'g2'),
        reason: 'test grant',
      },
    ]);
    // seq 1 is stored twice; it comes once.
    expect((await historyBefore(db.ch, A, 100, 100)).map((i) => i.seq)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(await historyBefore(db.ch, A, 1, 10)).toEqual([]);
  });

  it('truncate empties the model on every server (in cluster each local table), and the store then applies from seq 1 again (rebuild)', async () => {
    const rowsPerServer = async () => {
      const out: number[] = [];
      await onEveryServer(config, db.name, async (ch) => {
        const [row] = await ch.query<{ n: string }>(`SELECT count() AS n FROM ${db.localTable}`);
        out.push(Number(row!.n));
      });
      return out;
    };
    // Before: 19 rows over the servers (16 events and the 3 duplicates).
    const before = await rowsPerServer();
    expect(before.reduce((t, n) => t + n, 0)).toBe(19);
    await truncate(config, db.name);
    expect(await rowsPerServer()).toEqual(config.clickhouse.nodes.map(() => 0));
    expect((await totalsPerUserAndType(db.ch)).size).toBe(0);
    const store = new ClickHouseStore(db.ch, { maxDelayMs: 10 });
    expect(await store.apply(a.events)).toEqual({ applied: 6, duplicates: 0 });
    expect((await totalsPerUserAndType(db.ch, [A])).get(`${A}|POINTS_USED`)).toEqual({ amount: 100, count: 2 });
  });
});
