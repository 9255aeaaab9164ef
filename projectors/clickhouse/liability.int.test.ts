/**
 * The liability and the cohorts (API.md "Operations") against the real ClickHouse, on a
 * hand-made ledger of three users written through the ClickHouseStore into a scratch
 * database, as analytics-lifecycle.int.test.ts does: the events are built by hand
 * (test/events.ts) and every number is worked out below. The two queries of
 * docs/analytics.md that say they are these routes run on the same ledger.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../common/src/config.ts';
import type { LiabilityAnswer } from '../../schemas/http-answers.ts';
import { DISTRIBUTED_IN_LOCAL, cohorts, liability, lotRemainingSql } from './analytics.ts';
import { quote } from '../../common/src/clickhouse.ts';
import { toRow } from './rows.ts';
import { LedgerBuilder, uniqueUser } from './test/events.ts';
import { scratchDatabase, type ScratchDatabase } from './test/scratch-db.ts';
import { ClickHouseStore, INSERT_SETTINGS } from './writer.ts';

const t = (iso: string) => Date.parse(iso);
const A = uniqueUser('lia');
const B = uniqueUser('lib');
const C = uniqueUser('lic');
const g = (user: string, name: string) => `${user}-${name}`;

// User A: a March lot (a1) and an April lot (a2); a use across both; part of it cancelled
// (back to both, latest expiry first); part of a2 revoked; a pending grant (a3, April)
// that activates at 05-20 00:00:00 exactly; a1's rest expires; a hold on a2 at the very
// end of 05-15, captured in part the next day (the rest released); a hold still active.
const a = new LedgerBuilder(A)
  .grant(g(A, 'a1'), 120, t('2024-03-05T10:00:00Z'), t('2024-05-10T00:00:00Z'))
  .grant(g(A, 'a2'), 200, t('2024-04-02T10:00:00Z'), t('2024-09-30T00:00:00Z'))
  .use(
    'uA1',
    [
      { grantId: g(A, 'a1'), amount: 120 },
      { grantId: g(A, 'a2'), amount: 30 },
    ],
    t('2024-04-10T12:00:00Z'),
  )
  .cancel(
    'uA1',
    [
      { grantId: g(A, 'a2'), amount: 30 },
      { grantId: g(A, 'a1'), amount: 20 },
    ],
    t('2024-04-12T12:00:00Z'),
  )
  .revoke(g(A, 'a2'), 40, t('2024-04-15T12:00:00Z'))
  .pendingGrant(g(A, 'a3'), 80, t('2024-04-20T12:00:00Z'), t('2024-05-20T00:00:00Z'), t('2024-12-31T00:00:00Z'))
  .expire(g(A, 'a1'), 20, t('2024-05-10T00:00:30Z'), t('2024-05-10T00:00:00Z'))
  .hold('hA1', [{ grantId: g(A, 'a2'), amount: 70 }], t('2024-05-15T23:59:59.900Z'), t('2024-05-16T00:14:59Z'))
  .capture('hA1', 'uA2', [{ grantId: g(A, 'a2'), amount: 50 }], t('2024-05-16T00:05:00Z'))
  .release('hA1', [{ grantId: g(A, 'a2'), amount: 20 }], t('2024-05-16T00:05:00Z'))
  .activate(g(A, 'a3'), 80, t('2024-05-20T00:00:00Z'))
  .hold('hA2', [{ grantId: g(A, 'a2'), amount: 30 }], t('2024-05-31T23:50:00Z'), t('2024-06-01T00:05:00Z'));
// A at the end: balance 160 (a2 80 + a3 80), held 30, pending 0.
// Lots: a1 = 120 − 120 + 20 − 20 = 0; a2 = 200 − 30 + 30 − 40 − 70 + 20 − 30 = 80 (the
// capture takes nothing more), and hA2 keeps 30 of it; a3 = 80.

// User B: a March lot, with a hold on it still active at the end.
const b = new LedgerBuilder(B)
  .grant(g(B, 'b1'), 50, t('2024-03-20T08:00:00Z'), t('2025-03-20T00:00:00Z'))
  .hold('hB1', [{ grantId: g(B, 'b1'), amount: 20 }], t('2024-05-31T23:55:00Z'), t('2024-06-01T00:10:00Z'));
// B: balance 30, held 20. Lot b1 = 30, and hB1 keeps 20 of it.

// User C: an April pending grant, revoked in part while pending, never activated.
const c = new LedgerBuilder(C)
  .pendingGrant(g(C, 'c1'), 40, t('2024-04-28T09:00:00Z'), t('2024-07-01T00:00:00Z'), t('2025-01-01T00:00:00Z'))
  .revoke(g(C, 'c1'), 15, t('2024-05-05T09:00:00Z'));
// C: pending 25. Lot c1 = 25, pending.

const ALL = [...a.events, ...b.events, ...c.events];
let db: ScratchDatabase;

beforeAll(async () => {
  db = await scratchDatabase();
  await db.onEveryServer(`SYSTEM STOP MERGES ${db.localTable}`); // keep the duplicates below in their own part
  const store = new ClickHouseStore(db.ch, { maxDelayMs: 10 });
  expect(await store.apply(ALL)).toEqual({ applied: 16, duplicates: 0 });
  // A grant, a capture, a release and a revocation inserted twice behind the store's back: FINAL folds them.
  await db.ch.insert('events', [toRow(a.events[1]!), toRow(a.events[8]!), toRow(a.events[9]!), toRow(c.events[1]!)], INSERT_SETTINGS);
});
afterAll(async () => {
  await db?.drop();
});

const identity = (l: LiabilityAnswer) => {
  expect(l.outstanding + l.pending, `identity at ${l.asOf}`).toBe(l.granted - l.used + l.useCanceled - l.expired - l.revoked);
};
const zero = { outstanding: 0, pending: 0, held: 0, granted: 0, used: 0, useCanceled: 0, expired: 0, revoked: 0, breakageRate: 0 };

describe('liability at the end of a UTC day', () => {
  it('the worked example: the ledger as it ends', async () => {
    // Granted: a1 120 + a2 200 + a3 80 + b1 50 + c1 40 = 490. Used: uA1 150 + the capture
    // of 50 = 200 (holds count in nothing). Cancelled 50. Expired 20 (a1). Revoked 40 (a2)
    // + 15 (c1, pending) = 55. Balances A 160 + B 30, held A 30 + B 20: outstanding 240;
    // pending C 25. 240 + 25 = 490 − 200 + 50 − 20 − 55 = 265.
    const l = await liability(db.ch, '2024-05-31');
    expect(l).toEqual({
      asOf: '2024-05-31',
      outstanding: 240,
      pending: 25,
      held: 50,
      granted: 490,
      used: 200,
      useCanceled: 50,
      expired: 20,
      revoked: 55,
      breakageRate: 20 / 435,
    });
    identity(l);
    expect(l.outstanding).toBe([a, b, c].reduce((s, x) => s + x.totals.balance + x.totals.held, 0));
    expect(l.pending).toBe([a, b, c].reduce((s, x) => s + x.totals.pending, 0));
    // Long after: nothing more happened.
    expect(await liability(db.ch, '2030-01-01')).toEqual({ ...l, asOf: '2030-01-01' });
  });

  it('before anything, and at the end of each month', async () => {
    expect(await liability(db.ch, '2024-03-04')).toEqual({ asOf: '2024-03-04', ...zero });
    expect(await liability(db.ch, '1970-01-01')).toEqual({ asOf: '1970-01-01', ...zero });
    // a1 10:00 on 03-05 is that day's.
    expect(await liability(db.ch, '2024-03-05')).toEqual({ asOf: '2024-03-05', ...zero, outstanding: 120, granted: 120 });
    // March: a1 and b1.
    expect(await liability(db.ch, '2024-03-31')).toEqual({ asOf: '2024-03-31', ...zero, outstanding: 170, granted: 170 });
    // April: + a2 200, a3 80 (pending), c1 40 (pending); uA1 150, 50 of it cancelled; 40 of a2
    // revoked. A's balance 180, B's 50; pending 120. 230 + 120 = 490 − 150 + 50 − 40.
    const april = await liability(db.ch, '2024-04-30');
    expect(april).toEqual({
      asOf: '2024-04-30',
      outstanding: 230,
      pending: 120,
      held: 0,
      granted: 490,
      used: 150,
      useCanceled: 50,
      expired: 0,
      revoked: 40,
      breakageRate: 0,
    });
    identity(april);
  });

  it('around the expiry (05-10 00:00:30) and the partial revocation of a pending lot (05-05)', async () => {
    // 05-09: c1 lost 15 while pending: revoked 55, pending 105; the balance did not move.
    const before = await liability(db.ch, '2024-05-09');
    expect(before).toEqual({
      asOf: '2024-05-09',
      outstanding: 230,
      pending: 105,
      held: 0,
      granted: 490,
      used: 150,
      useCanceled: 50,
      expired: 0,
      revoked: 55,
      breakageRate: 0,
    });
    // 05-10: a1's 20 expired: A's balance 160. 210 + 105 = 490 − 150 + 50 − 20 − 55.
    const after = await liability(db.ch, '2024-05-10');
    expect(after).toEqual({ ...before, asOf: '2024-05-10', outstanding: 210, expired: 20, breakageRate: 20 / 435 });
    identity(before);
    identity(after);
  });

  it('around the hold at 23:59:59.900 on 05-15 and its partial capture on 05-16', async () => {
    // 05-15: the hold of 70 counts (its day is 05-15): A's balance 90, held 70; outstanding
    // is unchanged (held points are still the customer's), nothing is used.
    const held = await liability(db.ch, '2024-05-15');
    expect(held).toEqual({
      asOf: '2024-05-15',
      outstanding: 210,
      pending: 105,
      held: 70,
      granted: 490,
      used: 150,
      useCanceled: 50,
      expired: 20,
      revoked: 55,
      breakageRate: 20 / 435,
    });
    // 05-16: 50 captured (used), 20 released: A's balance 110, held 0. 160 + 105 = 265.
    const captured = await liability(db.ch, '2024-05-16');
    expect(captured).toEqual({ ...held, asOf: '2024-05-16', outstanding: 160, held: 0, used: 200 });
    expect(await liability(db.ch, '2024-05-19')).toEqual({ ...captured, asOf: '2024-05-19' });
    identity(held);
    identity(captured);
  });

  it('around the activation at 05-20 00:00:00 exactly: the next day, not the one before', async () => {
    const activated = await liability(db.ch, '2024-05-20');
    expect(activated).toMatchObject({ outstanding: 240, pending: 25, held: 0, used: 200 });
    identity(activated);
    expect(await liability(db.ch, '2024-05-19')).toMatchObject({ outstanding: 160, pending: 105 });
  });
});

describe('cohorts per month of grant', () => {
  // March: a1 and b1, granted 170. Used: uA1's 120 from a1. Cancelled back: 20 to a1.
  // Expired: a1's 20. Revoked: none. Outstanding: b1's 30 + the 20 hB1 keeps of it = 50
  // (a1 has nothing left). 170 − 120 + 20 − 20 − 0 = 50.
  const march = { month: '2024-03', granted: 170, used: 120, useCanceled: 20, expired: 20, revoked: 0, outstanding: 50 };
  // April: a2, a3 (pending when granted) and c1 (pending), granted 320. Used: uA1's 30
  // from a2 + the capture's 50 from a2 = 80. Cancelled back: 30 to a2. Expired: none.
  // Revoked: 40 of a2 + 15 of c1 = 55. Outstanding: a2's 80 + the 30 hA2 keeps of it,
  // a3's 80, c1's 25 (pending) = 215. 320 − 80 + 30 − 0 − 55 = 215.
  const april = { month: '2024-04', granted: 320, used: 80, useCanceled: 30, expired: 0, revoked: 55, outstanding: 215 };

  it('the worked example: each month with its own lots, the use across both split by its allocations', async () => {
    const rows = await cohorts(db.ch, '2024-01', '2024-12');
    expect(rows).toEqual([march, april]);
    for (const r of rows) expect(r.granted - r.used + r.useCanceled - r.expired - r.revoked, r.month).toBe(r.outstanding);
    // Over all months: what the liability owes now, outstanding + pending.
    const now = await liability(db.ch, '2024-05-31');
    expect(rows.reduce((s, r) => s + r.outstanding, 0)).toBe(now.outstanding + now.pending);
    expect(rows.reduce((s, r) => s + r.granted, 0)).toBe(now.granted);
    expect(rows.reduce((s, r) => s + r.used, 0)).toBe(now.used);
    expect(rows.reduce((s, r) => s + r.useCanceled, 0)).toBe(now.useCanceled);
    expect(rows.reduce((s, r) => s + r.expired, 0)).toBe(now.expired);
    expect(rows.reduce((s, r) => s + r.revoked, 0)).toBe(now.revoked);
  });

  it('outstanding is what the lots hold (lotRemainingSql) plus what active holds took from them', async () => {
    const lots = await db.ch.query<{ lot: string; remaining: string }>(
      `SELECT lot, remaining FROM (${lotRemainingSql('1')}) WHERE userId IN (${[A, B, C].map(quote).join(', ')}) ORDER BY lot`,
      DISTRIBUTED_IN_LOCAL,
    );
    const remaining = Object.fromEntries(lots.map((r) => [r.lot, Number(r.remaining)]));
    expect(remaining).toEqual({ [g(A, 'a1')]: 0, [g(A, 'a2')]: 80, [g(A, 'a3')]: 80, [g(B, 'b1')]: 30, [g(C, 'c1')]: 25 });
    // held: hA2 30 from a2 (April), hB1 20 from b1 (March).
    expect(march.outstanding).toBe(remaining[g(A, 'a1')]! + remaining[g(B, 'b1')]! + 20);
    expect(april.outstanding).toBe(remaining[g(A, 'a2')]! + remaining[g(A, 'a3')]! + remaining[g(C, 'c1')]! + 30);
  });

  it('only the months from `from` to `to` (both included); months without grants are absent', async () => {
    expect(await cohorts(db.ch, '2024-03', '2024-03')).toEqual([march]);
    expect(await cohorts(db.ch, '2024-04', '2024-04')).toEqual([april]);
    expect(await cohorts(db.ch, '2024-04', '2024-06')).toEqual([april]);
    expect(await cohorts(db.ch, '2024-05', '2024-05')).toEqual([]);
    expect(await cohorts(db.ch, '2024-01', '2024-02')).toEqual([]);
    expect(await cohorts(db.ch, '1970-01', '2105-12')).toEqual([march, april]);
  });

  it('refuses months that are no months, and to before from (RangeError: the route answers 400)', async () => {
    await expect(cohorts(db.ch, '2024-13', '2024-12')).rejects.toThrow(RangeError);
    await expect(cohorts(db.ch, "2024-01' OR 1=1 --", '2024-12')).rejects.toThrow(RangeError);
    await expect(cohorts(db.ch, '2024-05', '2024-04')).rejects.toThrow(RangeError);
    await expect(liability(db.ch, '2024-02-30')).rejects.toThrow(RangeError);
  });
});

describe('docs/analytics.md: the liability and cohort queries give the same numbers', () => {
  const doc = readFileSync(path.join(repoRoot, 'docs/analytics.md'), 'utf8');
  const blocks = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!.trim().replace(/;$/, ''));
  const block = (needle: string) => {
    const found = blocks.filter((x) => x.includes(needle));
    expect(found, needle).toHaveLength(1);
    return found[0]!;
  };
  const n = (v: unknown) => Number(v);

  it('liability at the end of a day', async () => {
    const sql = block('AS liability_outstanding');
    expect(sql).toContain('today() - 1');
    const [r] = await db.ch.query<Record<string, unknown>>(sql.replace('today() - 1', "toDate('2024-05-31')"));
    expect([r!.liability_outstanding, r!.pending, r!.held, r!.granted, r!.used, r!.use_canceled, r!.expired, r!.revoked].map(n)).toEqual([
      240, 25, 50, 490, 200, 50, 20, 55,
    ]);
    expect(n(r!.liability_breakage_rate)).toBe(0.046); // 20 / 435, rounded to 4 places
  });

  it('cohorts by grant month', async () => {
    const rows = await db.ch.query<Record<string, unknown>>(block('AS cohort_outstanding'), DISTRIBUTED_IN_LOCAL);
    expect(rows.map((r) => [String(r.grant_month), ...[r.granted, r.used, r.use_canceled, r.expired, r.revoked, r.cohort_outstanding].map(n)])).toEqual([
      ['2024-03-01', 170, 120, 20, 20, 0, 50],
      ['2024-04-01', 320, 80, 30, 0, 55, 215],
    ]);
  });
});
