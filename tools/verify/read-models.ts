/**
 * Invariant 3 of DESIGN.md: after the pipeline is idle, every read model agrees with
 * MySQL. Redis: balance and seq of every user. ClickHouse: totals per user and type.
 */
import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import { userKeys } from '../../projectors/redis/keys.ts';
import type { Difference } from './ledger-invariants.ts';

export async function checkRedis(db: Knex, redis: Redis): Promise<{ users: number; differences: Difference[] }> {
  const differences: Difference[] = [];
  const wallets: { user_id: string; balance: unknown; seq: unknown }[] = await db('point_wallets').select('user_id', 'balance', 'seq');
  for (let i = 0; i < wallets.length; i += 500) {
    const chunk = wallets.slice(i, i + 500);
    const p = redis.pipeline();
    for (const w of chunk) p.hmget(userKeys(w.user_id).wallet, 'balance', 'seq');
    const res = (await p.exec()) ?? [];
    chunk.forEach((w, j) => {
      const [err, vals] = res[j] ?? [new Error('no answer'), null];
      if (err) throw err;
      const [balance, seq] = vals as (string | null)[];
      if (Number(balance ?? 0) !== Number(w.balance)) differences.push({ userId: w.user_id, check: 'Redis balance = MySQL balance', expected: Number(w.balance), actual: Number(balance ?? 0) });
      if (Number(seq ?? 0) !== Number(w.seq)) differences.push({ userId: w.user_id, check: 'Redis seq = MySQL seq', expected: Number(w.seq), actual: Number(seq ?? 0) });
    });
  }
  return { users: wallets.length, differences };
}

/** MySQL's totals per `${userId}|${type}`. */
export async function mysqlTotals(db: Knex): Promise<Map<string, { amount: number; count: number }>> {
  const [rows] = (await db.raw('SELECT user_id, type, SUM(amount) AS amount, COUNT(*) AS n FROM point_events GROUP BY user_id, type')) as [
    { user_id: string; type: string; amount: unknown; n: unknown }[],
  ];
  return new Map(rows.map((r) => [`${r.user_id}|${r.type}`, { amount: Number(r.amount), count: Number(r.n) }]));
}

export function compareTotals(
  mysql: Map<string, { amount: number; count: number }>,
  other: Map<string, { amount: number; count: number }>,
  model: string,
): Difference[] {
  const differences: Difference[] = [];
  for (const key of new Set([...mysql.keys(), ...other.keys()])) {
    const [userId, type] = key.split('|') as [string, string];
    const a = mysql.get(key) ?? { amount: 0, count: 0 };
    const b = other.get(key) ?? { amount: 0, count: 0 };
    if (a.amount !== b.amount) differences.push({ userId, check: `${model} Σ ${type} = MySQL's`, expected: a.amount, actual: b.amount });
    if (a.count !== b.count) differences.push({ userId, check: `${model} count of ${type} = MySQL's`, expected: a.count, actual: b.count });
  }
  return differences;
}
