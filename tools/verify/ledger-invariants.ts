/**
 * Invariants 1 and 2 of DESIGN.md with its domain additions, checked in MySQL for every user:
 *   1. wallet.balance = Σ remaining of the active lots = balanceAfter of the user's last event;
 *      wallet.pending = Σ remaining of the pending lots = its pendingAfter;
 *      wallet.held = Σ outstanding of the active holds = its heldAfter;
 *   2. the sum of movements: Σ granted (active and pending) − Σ used without a hold − Σ held
 *      + Σ released + Σ use-cancelled − Σ expired − Σ revoked = balance + pending (a revocation
 *      takes from either), and Σ held − Σ released − Σ captured = held;
 * plus what they rest on: seq 1..n without gaps, no negative balance or lot,
 * is_open set exactly on lots with points left, no events without a wallet; and with
 * shards, every user on its own shard (ADR 0011). Shard by shard; the result sums them.
 */
import type { Knex } from 'knex';
import type { Shards } from '../../common/src/mysql.ts';

export interface Difference {
  userId: string;
  check: string;
  expected: string | number;
  actual: string | number;
}

export interface LedgerCheck {
  users: number;
  events: number;
  lots: number;
  differences: Difference[];
}

const num = (v: unknown) => Number(v ?? 0);

export async function checkLedger(shards: Shards): Promise<LedgerCheck> {
  const out: LedgerCheck = { users: 0, events: 0, lots: 0, differences: [] };
  for (const [i, db] of shards.dbs.entries()) {
    const r = await checkShard(db);
    out.users += r.users;
    out.events += r.events;
    out.lots += r.lots;
    out.differences.push(...r.differences);
    if (shards.count > 1) {
      const strays: { user_id: string }[] = await db('point_wallets').select('user_id');
      for (const { user_id: userId } of strays) {
        const home = shards.ofUser(userId);
        if (home !== i) out.differences.push({ userId, check: 'the user lives on its shard', expected: `shard ${home + 1}`, actual: `shard ${i + 1}` });
      }
    }
  }
  return out;
}

async function checkShard(db: Knex): Promise<LedgerCheck> {
  const differences: Difference[] = [];
  const diff = (userId: string, check: string, expected: number | string, actual: number | string) => {
    if (expected !== actual) differences.push({ userId, check, expected, actual });
  };

  const wallets: { user_id: string; balance: unknown; held: unknown; pending: unknown; seq: unknown }[] = await db('point_wallets').select(
    'user_id',
    'balance',
    'held',
    'pending',
    'seq',
  );
  const lotSums = new Map<string, { remaining: number; pending: number; lots: number; negative: number; badOpen: number }>();
  const lotRows = await db.raw(`
    SELECT user_id, SUM(CASE WHEN pending = 0 THEN remaining ELSE 0 END) AS remaining,
           SUM(CASE WHEN pending = 1 THEN remaining ELSE 0 END) AS pending, COUNT(*) AS lots,
           SUM(CASE WHEN remaining < 0 OR remaining > amount THEN 1 ELSE 0 END) AS negative,
           SUM(CASE WHEN is_open <> (remaining > 0) THEN 1 ELSE 0 END) AS bad_open
    FROM point_lots GROUP BY user_id`);
  for (const r of lotRows[0] as Record<string, unknown>[]) {
    lotSums.set(r.user_id as string, {
      remaining: num(r.remaining),
      pending: num(r.pending),
      lots: num(r.lots),
      negative: num(r.negative),
      badOpen: num(r.bad_open),
    });
  }
  const holdSums = new Map<string, { held: number; bad: number }>();
  const holdRows = await db.raw(`
    SELECT user_id, SUM(CASE WHEN state = 'ACTIVE' THEN amount - captured - released ELSE 0 END) AS held,
           SUM(CASE WHEN captured < 0 OR released < 0 OR captured + released > amount
                     OR (state = 'ACTIVE' AND captured > 0) OR (state <> 'ACTIVE' AND captured + released <> amount) THEN 1 ELSE 0 END) AS bad
    FROM point_holds GROUP BY user_id`);
  for (const r of holdRows[0] as Record<string, unknown>[]) holdSums.set(r.user_id as string, { held: num(r.held), bad: num(r.bad) });
  type EventStats = { n: number; maxSeq: number; net: number; heldNet: number; lastBalance: number; lastHeld: number; lastPending: number };
  const eventStats = new Map<string, EventStats>();
  // An activation moves points from pending to balance: it counts in neither sum.
  const rows = await db.raw(`
    SELECT s.user_id, s.n, s.max_seq, s.net, s.held_net, e.balance_after AS last_balance, e.held_after AS last_held, e.pending_after AS last_pending
    FROM (
      SELECT user_id, COUNT(*) AS n, MAX(seq) AS max_seq,
             SUM(CASE WHEN type IN ('POINTS_GRANTED', 'POINTS_GRANT_PENDING', 'POINTS_USE_CANCELED', 'POINTS_HOLD_RELEASED') THEN amount
                      WHEN type = 'POINTS_GRANT_ACTIVATED' OR (type = 'POINTS_USED' AND hold_id IS NOT NULL) THEN 0
                      ELSE -amount END) AS net,
             SUM(CASE WHEN type = 'POINTS_HELD' THEN amount
                      WHEN type = 'POINTS_HOLD_RELEASED' OR (type = 'POINTS_USED' AND hold_id IS NOT NULL) THEN -amount
                      ELSE 0 END) AS held_net
      FROM point_events GROUP BY user_id
    ) s JOIN point_events e ON e.user_id = s.user_id AND e.seq = s.max_seq`);
  for (const r of rows[0] as Record<string, unknown>[]) {
    eventStats.set(r.user_id as string, {
      n: num(r.n),
      maxSeq: num(r.max_seq),
      net: num(r.net),
      heldNet: num(r.held_net),
      lastBalance: num(r.last_balance),
      lastHeld: num(r.last_held),
      lastPending: num(r.last_pending),
    });
  }

  let lots = 0;
  let events = 0;
  const walletUsers = new Set<string>();
  for (const w of wallets) {
    const userId = w.user_id;
    walletUsers.add(userId);
    const balance = num(w.balance);
    const held = num(w.held);
    const pending = num(w.pending);
    const seq = num(w.seq);
    const l = lotSums.get(userId) ?? { remaining: 0, pending: 0, lots: 0, negative: 0, badOpen: 0 };
    const h = holdSums.get(userId) ?? { held: 0, bad: 0 };
    const e = eventStats.get(userId) ?? { n: 0, maxSeq: 0, net: 0, heldNet: 0, lastBalance: 0, lastHeld: 0, lastPending: 0 };
    lots += l.lots;
    events += e.n;
    if (balance < 0) diff(userId, 'balance is not negative', '>= 0', balance);
    if (held < 0) diff(userId, 'held is not negative', '>= 0', held);
    if (pending < 0) diff(userId, 'pending is not negative', '>= 0', pending);
    diff(userId, 'invariant 1: balance = Σ remaining of the active lots', balance, l.remaining);
    diff(userId, 'invariant 1: balance = balanceAfter of the last event', balance, e.lastBalance);
    diff(userId, 'pending = Σ remaining of the pending lots', pending, l.pending);
    diff(userId, 'pending = pendingAfter of the last event', pending, e.lastPending);
    diff(userId, 'held = Σ outstanding of the active holds', held, h.held);
    diff(userId, 'held = heldAfter of the last event', held, e.lastHeld);
    diff(userId, 'every hold has 0 <= captured + released <= amount, and all of it settled once not active', 0, h.bad);
    diff(userId, 'invariant 2: granted − used − held + released + cancelled − expired − revoked = balance + pending', balance + pending, e.net);
    diff(userId, 'invariant 2: Σ held − Σ released − Σ captured = held', held, e.heldNet);
    diff(userId, 'wallet.seq = last event seq', seq, e.maxSeq);
    diff(userId, 'events are seq 1..n without gaps (count = last seq)', e.maxSeq, e.n);
    diff(userId, 'every lot has 0 <= remaining <= amount', 0, l.negative);
    diff(userId, 'is_open = (remaining > 0) on every lot', 0, l.badOpen);
  }
  for (const userId of eventStats.keys()) {
    if (!walletUsers.has(userId)) diff(userId, 'events have a wallet', 'wallet', 'none');
  }
  return { users: wallets.length, events, lots, differences };
}

/** What MySQL says a set of users was granted, used, given back, lost and holds: the terms of invariant 2. */
export interface MovementTotals {
  /** POINTS_GRANTED and POINTS_GRANT_PENDING (an activation moves nothing). */
  granted: number;
  /** Every POINTS_USED, a hold's capture included. */
  used: number;
  useCanceled: number;
  expired: number;
  revoked: number;
  balance: number;
  held: number;
  pending: number;
}

/**
 * The sums of invariant 2 over `userIds`, shard by shard, from the events and wallets of
 * the write model. Invariant 2 and its hold half together give
 * granted − used + useCanceled − expired − revoked = balance + held + pending: what the
 * analytics model's liability must show (tools/verify/liability-tie.e2e.test.ts).
 */
export async function movementTotals(shards: Shards, userIds: string[]): Promise<MovementTotals> {
  const t: MovementTotals = { granted: 0, used: 0, useCanceled: 0, expired: 0, revoked: 0, balance: 0, held: 0, pending: 0 };
  if (userIds.length === 0) return t;
  for (const db of shards.dbs) {
    const [e] = (await db.raw(
      `SELECT SUM(CASE WHEN type IN ('POINTS_GRANTED', 'POINTS_GRANT_PENDING') THEN amount ELSE 0 END) AS granted,
              SUM(CASE WHEN type = 'POINTS_USED' THEN amount ELSE 0 END) AS used,
              SUM(CASE WHEN type = 'POINTS_USE_CANCELED' THEN amount ELSE 0 END) AS use_canceled,
              SUM(CASE WHEN type = 'POINTS_EXPIRED' THEN amount ELSE 0 END) AS expired,
              SUM(CASE WHEN type = 'POINTS_REVOKED' THEN amount ELSE 0 END) AS revoked
       FROM point_events WHERE user_id IN (?)`,
      [userIds],
    )) as [Record<string, unknown>[]];
    const [w] = (await db.raw('SELECT SUM(balance) AS balance, SUM(held) AS held, SUM(pending) AS pending FROM point_wallets WHERE user_id IN (?)', [
      userIds,
    ])) as [Record<string, unknown>[]];
    t.granted += num(e[0]?.granted);
    t.used += num(e[0]?.used);
    t.useCanceled += num(e[0]?.use_canceled);
    t.expired += num(e[0]?.expired);
    t.revoked += num(e[0]?.revoked);
    t.balance += num(w[0]?.balance);
    t.held += num(w[0]?.held);
    t.pending += num(w[0]?.pending);
  }
  return t;
}
