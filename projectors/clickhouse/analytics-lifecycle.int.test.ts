/**
 * The analytics reads with events of schema version 2 (ADR 0013: pending grants,
 * activations, holds, captures, releases, partial revocations), against the real
 * ClickHouse, on a hand-made ledger of three users written through the ClickHouseStore
 * into a scratch database. The domain that emits these events is written elsewhere: the
 * events are built by hand (test/events.ts), and every number is worked out below.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quote } from '../../common/src/clickhouse.ts';
import { DISTRIBUTED_IN_LOCAL, dailyMovement, expiringPerDay, historyBefore, lotRemainingSql, topUsers, totalsPerUserAndType } from './analytics.ts';
import { toRow } from './rows.ts';
import { LedgerBuilder, uniqueUser } from './test/events.ts';
import { scratchDatabase, type ScratchDatabase } from './test/scratch-db.ts';
import { ClickHouseStore, INSERT_SETTINGS } from './writer.ts';

const t = (iso: string) => Date.parse(iso);
const D = uniqueUser('chd');
const E = uniqueUser('che');
const F = uniqueUser('chf');
const g = (user: string, name: string) => `${user}-${name}`;

// User D: an active and a pending grant; a hold captured in part (the rest released at
// once); the pending grant activates; a hold that lapses; part of the capture's use
// cancelled; part of the activated grant revoked; a hold still active at `now`.
const d = new LedgerBuilder(D)
  .grant(g(D, 'd1'), 100, t('2024-06-01T10:00:00Z'), t('2024-06-20T12:00:00Z'), 'spring')
  .pendingGrant(g(D, 'd2'), 60, t('2024-06-01T11:00:00Z'), t('2024-06-05T00:00:00Z'), t('2024-06-25T00:00:00Z'), 'orders')
  .hold('h1', [{ grantId: g(D, 'd1'), amount: 40 }], t('2024-06-02T09:00:00Z'), t('2024-06-02T09:15:00Z'))
  .capture('h1', 'uD1', [{ grantId: g(D, 'd1'), amount: 30 }], t('2024-06-02T09:05:00Z'))
  .release('h1', [{ grantId: g(D, 'd1'), amount: 10 }], t('2024-06-02T09:05:00Z'))
  .activate(g(D, 'd2'), 60, t('2024-06-05T00:00:01Z'))
  .hold('h2', [{ grantId: g(D, 'd1'), amount: 50 }], t('2024-06-05T10:00:00Z'), t('2024-06-05T10:15:00Z'))
  .release('h2', [{ grantId: g(D, 'd1'), amount: 50 }], t('2024-06-05T11:00:00Z'))
  .cancel('uD1', [{ grantId: g(D, 'd1'), amount: 10 }], t('2024-06-06T09:00:00Z'))
  .revoke(g(D, 'd2'), 20, t('2024-06-06T10:00:00Z'))
  .hold('h3', [{ grantId: g(D, 'd1'), amount: 25 }], t('2024-06-09T23:30:00Z'), t('2024-06-10T00:30:00Z'));
// D: balance 95, held 25, pending 0. Lots: d1 = 100 − 40 + 10 − 50 + 50 + 10 − 25 = 55
// (the capture takes nothing more from it: its hold did); d2 = 60 − 20 = 40, active.

// User E: a pending grant revoked in part and never activated; a use; a pending grant
// that activates; a hold captured whole.
const e = new LedgerBuilder(E)
  .pendingGrant(g(E, 'e1'), 500, t('2024-06-03T08:00:00Z'), t('2024-06-15T00:00:00Z'), t('2024-06-18T00:00:00Z'))
  .grant(g(E, 'e2'), 30, t('2024-06-03T09:00:00Z'), t('2024-06-20T00:00:00Z'))
  .revoke(g(E, 'e1'), 200, t('2024-06-04T08:00:00Z'))
  .use('uE1', [{ grantId: g(E, 'e2'), amount: 10 }], t('2024-06-04T09:00:00Z'))
  .pendingGrant(g(E, 'e3'), 70, t('2024-06-04T10:00:00Z'), t('2024-06-08T00:00:00Z'), t('2024-07-30T00:00:00Z'))
  .activate(g(E, 'e3'), 70, t('2024-06-08T00:00:00Z'))
  .hold('h4', [{ grantId: g(E, 'e2'), amount: 20 }], t('2024-06-09T08:00:00Z'), t('2024-06-09T08:15:00Z'))
  .capture('h4', 'uE2', [{ grantId: g(E, 'e2'), amount: 20 }], t('2024-06-09T08:10:00Z'));
// E: balance 70, held 0, pending 300. Lots: e1 = 300, pending; e2 = 0; e3 = 70 (07-30).

// User F: a hold lapses after its lot did: the share given back expires at once.
const f = new LedgerBuilder(F)
  .grant(g(F, 'f1'), 50, t('2024-06-01T00:00:00Z'), t('2024-06-07T00:00:00Z'))
  .hold('h5', [{ grantId: g(F, 'f1'), amount: 50 }], t('2024-06-06T23:50:00Z'), t('2024-06-07T00:05:00Z'))
  .release('h5', [{ grantId: g(F, 'f1'), amount: 50 }], t('2024-06-07T00:05:00Z'))
  .expire(g(F, 'f1'), 50, t('2024-06-07T00:05:00Z'), t('2024-06-07T00:00:00Z'));
// F: nothing left.

const now = t('2024-06-10T00:00:00Z');
let db: ScratchDatabase;

beforeAll(async () => {
  db = await scratchDatabase();
  await db.onEveryServer(`SYSTEM STOP MERGES ${db.localTable}`); // keep the duplicates below in their own part
  const store = new ClickHouseStore(db.ch, { maxDelayMs: 10 });
  expect(await store.apply([...d.events, ...e.events, ...f.events])).toEqual({ applied: 23, duplicates: 0 });
  // A capture, a hold and an activation inserted twice behind the store's back: FINAL folds them.
  await db.ch.insert('events', [toRow(d.events[3]!), toRow(d.events[2]!), toRow(e.events[5]!)], INSERT_SETTINGS);
});
afterAll(async () => {
  await db?.drop();
});

describe('analytics with events of schema version 2', () => {
  it('stores every new field: holdId, availableAt, heldAfter and pendingAfter of each event', async () => {
    const rows = await db.ch.query<Record<string, string | null>>(`
      SELECT seq, type, holdId, availableAtMs, balanceAfter, heldAfter, pendingAfter
      FROM events FINAL WHERE userId = ${quote(D)} ORDER BY seq`);
    expect(
      rows.map((r) => [
        Number(r.seq),
        r.type,
        r.holdId,
        r.availableAtMs === null ? null : Number(r.availableAtMs),
        Number(r.balanceAfter),
        Number(r.heldAfter),
        Number(r.pendingAfter),
      ]),
    ).toEqual(d.events.map((x) => [x.seq, x.type, x.holdId, x.availableAt, x.balanceAfter, x.heldAfter, x.pendingAfter]));
    // The user's held and pending points are those of the last event, as the balance is.
    const last = await db.ch.query<{ userId: string; balance: string; held: string; pending: string }>(`
      SELECT userId, argMax(balanceAfter, seq) AS balance, argMax(heldAfter, seq) AS held, argMax(pendingAfter, seq) AS pending
      FROM events WHERE userId IN (${[D, E, F].map(quote).join(', ')}) GROUP BY userId ORDER BY userId`);
    const got = Object.fromEntries(last.map((r) => [r.userId, { balance: Number(r.balance), held: Number(r.held), pending: Number(r.pending) }]));
    expect(got).toEqual({
      [D]: { balance: 95, held: 25, pending: 0 },
      [E]: { balance: 70, held: 0, pending: 300 },
      [F]: { balance: 0, held: 0, pending: 0 },
    });
    expect(got).toEqual({ [D]: d.totals, [E]: e.totals, [F]: f.totals });
  });

  it('dailyMovement: granted counts pending grants, used counts captures, holds and releases count in nothing', async () => {
    const days = await dailyMovement(db.ch, '2024-06-01', '2024-06-30');
    expect(days).toEqual([
      { day: '2024-06-01', granted: 210, used: 0, useCanceled: 0, expired: 0, revoked: 0, activeUsers: 2 },
      // D's hold of 40: a capture of 30 (used), the rest released (nothing).
      { day: '2024-06-02', granted: 0, used: 30, useCanceled: 0, expired: 0, revoked: 0, activeUsers: 1 },
      { day: '2024-06-03', granted: 530, used: 0, useCanceled: 0, expired: 0, revoked: 0, activeUsers: 1 },
      // E: part of a pending grant revoked, a use, a pending grant.
      { day: '2024-06-04', granted: 70, used: 10, useCanceled: 0, expired: 0, revoked: 200, activeUsers: 1 },
      // D's activation is no grant, its lapsed hold no use; D held points: active.
      { day: '2024-06-05', granted: 0, used: 0, useCanceled: 0, expired: 0, revoked: 0, activeUsers: 1 },
      { day: '2024-06-06', granted: 0, used: 0, useCanceled: 10, expired: 0, revoked: 20, activeUsers: 2 },
      // F's lapsed hold goes back to a lapsed lot, which expires: the clock's doing, nobody active.
      { day: '2024-06-07', granted: 0, used: 0, useCanceled: 0, expired: 50, revoked: 0, activeUsers: 0 },
      // Only E's activation: nobody active.
      { day: '2024-06-08', granted: 0, used: 0, useCanceled: 0, expired: 0, revoked: 0, activeUsers: 0 },
      { day: '2024-06-09', granted: 0, used: 20, useCanceled: 0, expired: 0, revoked: 0, activeUsers: 2 },
    ]);
    // Summed over the days: what the users own, balance + held + pending (API.md, liability).
    const net = days.reduce((s, x) => s + x.granted - x.used + x.useCanceled - x.expired - x.revoked, 0);
    const owned = [d, e, f].reduce((s, b) => s + b.totals.balance + b.totals.held + b.totals.pending, 0);
    expect(net).toBe(490);
    expect(net).toBe(owned);
  });

  it('expiringPerDay: what active lots hold outside holds; a pending lot only once activated; a hold is no lot', async () => {
    // 06-18: E's e1 (300) is pending: not counted. 06-20: D's d1 55 (what its holds keep
    // aside is not in it), E's e2 has nothing left. 06-25: D's d2, activated, 40. The
    // hold h3 expiring at 06-10 00:30 is no lot.
    expect(await expiringPerDay(db.ch, 30, now)).toEqual([
      { day: '2024-06-20', points: 55, lots: 1 },
      { day: '2024-06-25', points: 40, lots: 1 },
    ]);
    expect(await expiringPerDay(db.ch, 60, now)).toEqual([
      { day: '2024-06-20', points: 55, lots: 1 },
      { day: '2024-06-25', points: 40, lots: 1 },
      { day: '2024-07-30', points: 70, lots: 1 },
    ]);
    expect(await expiringPerDay(db.ch, 1, now)).toEqual([]);
  });

  it('lotRemainingSql: every lot with what it holds and whether it is still pending', async () => {
    const rows = await db.ch.query<{ userId: string; lot: string; remaining: string; pending: number | string }>(
      `SELECT userId, lot, remaining, pending FROM (${lotRemainingSql('1')}) WHERE userId IN (${[D, E, F].map(quote).join(', ')}) ORDER BY lot`,
      DISTRIBUTED_IN_LOCAL,
    );
    expect(rows.map((r) => [r.lot, Number(r.remaining), Number(r.pending)])).toEqual([
      [g(D, 'd1'), 55, 0],
      [g(D, 'd2'), 40, 0],
      [g(E, 'e1'), 300, 1],
      [g(E, 'e2'), 0, 0],
      [g(E, 'e3'), 70, 0],
      [g(F, 'f1'), 0, 0],
    ]);
  });

  it('topUsers: earned counts pending grants and every revocation; spent counts captures, not holds', async () => {
    // E: 500 + 30 + 70 − 200; D: 100 + 60 − 20; F: 50.
    expect(await topUsers(db.ch, 'earned', '2024-06-01', '2024-06-30', 10)).toEqual([
      { userId: E, points: 400 },
      { userId: D, points: 140 },
      { userId: F, points: 50 },
    ]);
    // E: 10 + the capture of 20; D: the capture of 30 − 10 cancelled; F held and spent nothing.
    expect(await topUsers(db.ch, 'spent', '2024-06-01', '2024-06-30', 10)).toEqual([
      { userId: E, points: 30 },
      { userId: D, points: 20 },
    ]);
  });

  it('totalsPerUserAndType: every type as stored (what make verify compares with MySQL), duplicates folded', async () => {
    const raw = await db.ch.query<{ n: string }>(`SELECT count() AS n FROM events WHERE userId IN (${quote(D)}, ${quote(E)})`);
    expect(Number(raw[0]!.n)).toBe(19 + 3);
    expect(Object.fromEntries(await totalsPerUserAndType(db.ch, [D]))).toEqual({
      [`${D}|POINTS_GRANTED`]: { amount: 100, count: 1 },
      [`${D}|POINTS_GRANT_PENDING`]: { amount: 60, count: 1 },
      [`${D}|POINTS_GRANT_ACTIVATED`]: { amount: 60, count: 1 },
      [`${D}|POINTS_HELD`]: { amount: 115, count: 3 },
      [`${D}|POINTS_USED`]: { amount: 30, count: 1 },
      [`${D}|POINTS_HOLD_RELEASED`]: { amount: 60, count: 2 },
      [`${D}|POINTS_USE_CANCELED`]: { amount: 10, count: 1 },
      [`${D}|POINTS_REVOKED`]: { amount: 20, count: 1 },
    });
    // The same sums straight from the events, as MySQL's point_events would give them.
    const expected = new Map<string, { amount: number; count: number }>();
    for (const x of [...d.events, ...e.events, ...f.events]) {
      const k = `${x.userId}|${x.type}`;
      const v = expected.get(k) ?? { amount: 0, count: 0 };
      expected.set(k, { amount: v.amount + x.amount, count: v.count + 1 });
    }
    expect(await totalsPerUserAndType(db.ch, [D, E, F])).toEqual(expected);
  });

  it('historyBefore: the new types in the same item shape', async () => {
    expect(await historyBefore(db.ch, D, 6, 3)).toEqual([
      { eventId: `${D}-5`, seq: 5, type: 'POINTS_HOLD_RELEASED', amount: 10, balanceAfter: 70, occurredAt: '2024-06-02T09:05:00.000Z', orderId: 'o-h1' },
      { eventId: `${D}-4`, seq: 4, type: 'POINTS_USED', amount: 30, balanceAfter: 60, occurredAt: '2024-06-02T09:05:00.000Z', useId: 'uD1', orderId: 'o-h1' },
      { eventId: `${D}-3`, seq: 3, type: 'POINTS_HELD', amount: 40, balanceAfter: 60, occurredAt: '2024-06-02T09:00:00.000Z', orderId: 'o-h1' },
    ]);
  });
});
