/**
 * Invariants 1 and 2 of DESIGN.md, checked in MySQL for every user:
 *   1. wallet.balance = Σ lots.remaining = balanceAfter of the user's last event;
 *   2. Σ granted − Σ used + Σ use-cancelled − Σ expired − Σ revoked = balance;
 * plus what they rest on: seq 1..n without gaps, no negative balance or lot,
 * is_open set exactly on lots with points left, no events without a wallet.
 */
import type { Knex } from 'knex';

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

export async function checkLedger(db: Knex): Promise<LedgerCheck> {
  const differences: Difference[] = [];
  const diff = (userId: string, check: string, expected: number | string, actual: number | string) => {
    if (expected !== actual) differences.push({ userId, check, expected, actual });
  };

  const wallets: { user_id: string; balance: unknown; seq: unknown }[] = await db('point_wallets').select('user_id', 'balance', 'seq');
  const lotSums = new Map<string, { remaining: number; lots: number; negative: number; badOpen: number }>();
  const lotRows = await db.raw(`
    SELECT user_id, SUM(remaining) AS remaining, COUNT(*) AS lots,
           SUM(CASE WHEN remaining < 0 OR remaining > amount THEN 1 ELSE 0 END) AS negative,
           SUM(CASE WHEN is_open <> (remaining > 0) THEN 1 ELSE 0 END) AS bad_open
    FROM point_lots GROUP BY user_id`);
  for (const r of lotRows[0] as Record<string, unknown>[]) {
    lotSums.set(r.user_id as string, { remaining: num(r.remaining), lots: num(r.lots), negative: num(r.negative), badOpen: num(r.bad_open) });
  }
  const eventStats = new Map<string, { n: number; maxSeq: number; net: number; lastBalance: number }>();
  const rows = await db.raw(`
    SELECT s.user_id, s.n, s.max_seq, s.net, e.balance_after AS last_balance
    FROM (
      SELECT user_id, COUNT(*) AS n, MAX(seq) AS max_seq,
             SUM(CASE WHEN type IN ('POINTS_GRANTED', 'POINTS_USE_CANCELED') THEN amount ELSE -amount END) AS net
      FROM point_events GROUP BY user_id
    ) s JOIN point_events e ON e.user_id = s.user_id AND e.seq = s.max_seq`);
  for (const r of rows[0] as Record<string, unknown>[]) {
    eventStats.set(r.user_id as string, { n: num(r.n), maxSeq: num(r.max_seq), net: num(r.net), lastBalance: num(r.last_balance) });
  }

  let lots = 0;
  let events = 0;
  const walletUsers = new Set<string>();
  for (const w of wallets) {
    const userId = w.user_id;
    walletUsers.add(userId);
    const balance = num(w.balance);
    const seq = num(w.seq);
    const l = lotSums.get(userId) ?? { remaining: 0, lots: 0, negative: 0, badOpen: 0 };
    const e = eventStats.get(userId) ?? { n: 0, maxSeq: 0, net: 0, lastBalance: 0 };
    lots += l.lots;
    events += e.n;
    if (balance < 0) diff(userId, 'balance is not negative', '>= 0', balance);
    diff(userId, 'invariant 1: balance = Σ lots.remaining', balance, l.remaining);
    diff(userId, 'invariant 1: balance = balanceAfter of the last event', balance, e.lastBalance);
    diff(userId, 'invariant 2: granted − used + cancelled − expired − revoked = balance', balance, e.net);
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
