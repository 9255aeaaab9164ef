/**
 * Invariant 3 of DESIGN.md: after the pipeline is idle, every read model agrees with
 * MySQL. Redis: balance, held, pending and seq of every user, and no user in Redis that
 * MySQL does not know. ClickHouse: totals per user and type.
 */
import type { Shards } from '../../common/src/mysql.ts';
import { masters, scanKeys, type RedisClient } from '../../common/src/redis.ts';
import { userKeys } from '../../projectors/redis/keys.ts';
import type { Difference } from './ledger-invariants.ts';

/** Wallets read from Redis at once: one HMGET each (one key, one slot), sent together. */
const READS_IN_FLIGHT = 500;

export interface RedisCheck {
  /** MySQL's users, whose balance and seq were compared. */
  users: number;
  /** The model's wallets found in Redis, on every master. */
  redisWallets: number;
  masters: number;
  differences: Difference[];
}

/** A MySQL wallet as verify compares it; held and pending absent where the shard's schema has no such column yet. */
export interface MysqlWallet {
  user_id: string;
  balance: unknown;
  seq: unknown;
  held?: unknown;
  pending?: unknown;
}

export async function checkRedis(shards: Shards, redis: RedisClient): Promise<RedisCheck> {
  const wallets: MysqlWallet[] = (
    await Promise.all(
      shards.dbs.map(async (db) => {
        // held and pending came with the order lifecycle's migration: a shard not migrated yet has neither.
        const extra = (await Promise.all(['held', 'pending'].map(async (c) => ((await db.schema.hasColumn('point_wallets', c)) ? [c] : [])))).flat();
        return db('point_wallets').select('user_id', 'balance', 'seq', ...extra);
      }),
    )
  ).flat();
  const differences = await compareWallets(redis, wallets);
  const known = new Set(wallets.map((w) => w.user_id));
  const { users: unknown, wallets: redisWallets, masters: walked } = await redisOnlyUsers(redis, known);
  // A user MySQL got after its wallets were read above (the pipeline was idle, but commands
  // may go on) is asked for again: only a user MySQL does not have at all is a difference.
  const confirmed = new Set<string>(unknown);
  for (let i = 0; i < unknown.length; i += 500) {
    for (const db of shards.dbs) {
      const found: { user_id: string }[] = await db('point_wallets')
        .select('user_id')
        .whereIn('user_id', unknown.slice(i, i + 500));
      for (const f of found) confirmed.delete(f.user_id);
    }
  }
  for (const userId of confirmed) differences.push({ userId, check: 'a Redis wallet belongs to a MySQL user', expected: 'a MySQL wallet', actual: 'none' });
  return { users: wallets.length, redisWallets, masters: walked, differences };
}

/** Balance, seq, and held and pending (where MySQL's wallet has them), of each wallet in Redis against MySQL's. */
export async function compareWallets(redis: RedisClient, wallets: MysqlWallet[]): Promise<Difference[]> {
  const differences: Difference[] = [];
  for (let i = 0; i < wallets.length; i += READS_IN_FLIGHT) {
    const chunk = wallets.slice(i, i + READS_IN_FLIGHT);
    const res = await Promise.all(chunk.map((w) => redis.hmget(userKeys(w.user_id).wallet, 'balance', 'seq', 'held', 'pending')));
    chunk.forEach((w, j) => {
      const [balance, seq, held, pending] = res[j]!;
      if (Number(balance ?? 0) !== Number(w.balance))
        differences.push({ userId: w.user_id, check: 'Redis balance = MySQL balance', expected: Number(w.balance), actual: Number(balance ?? 0) });
      if (Number(seq ?? 0) !== Number(w.seq))
        differences.push({ userId: w.user_id, check: 'Redis seq = MySQL seq', expected: Number(w.seq), actual: Number(seq ?? 0) });
      // A Redis wallet projected before holds existed has no held or pending: 0.
      if (w.held !== undefined && Number(held ?? 0) !== Number(w.held))
        differences.push({ userId: w.user_id, check: 'Redis held = MySQL held', expected: Number(w.held), actual: Number(held ?? 0) });
      if (w.pending !== undefined && Number(pending ?? 0) !== Number(w.pending))
        differences.push({ userId: w.user_id, check: 'Redis pending = MySQL pending', expected: Number(w.pending), actual: Number(pending ?? 0) });
    });
  }
  return differences;
}

const WALLET = /^u:\{(.+)\}:w$/;

/** The users of every wallet of the model on every master (SCAN) that are not in `known`. */
export async function redisOnlyUsers(redis: RedisClient, known: Set<string>): Promise<{ users: string[]; wallets: number; masters: number }> {
  const users: string[] = [];
  let wallets = 0;
  for await (const page of scanKeys(redis, userKeys('*').wallet)) {
    for (const key of page) {
      const userId = WALLET.exec(key)?.[1];
      if (userId === undefined) continue;
      wallets++;
      if (!known.has(userId)) users.push(userId);
    }
  }
  return { users: [...new Set(users)], wallets, masters: (await masters(redis)).length };
}

/** MySQL's totals per `${userId}|${type}`. */
/** Σ amount and count per (user, type) over every shard (a user's rows are on one shard). */
export async function mysqlTotals(shards: Shards): Promise<Map<string, { amount: number; count: number }>> {
  const out = new Map<string, { amount: number; count: number }>();
  for (const db of shards.dbs) {
    const [rows] = (await db.raw('SELECT user_id, type, SUM(amount) AS amount, COUNT(*) AS n FROM point_events GROUP BY user_id, type')) as [
      { user_id: string; type: string; amount: unknown; n: unknown }[],
    ];
    for (const r of rows) out.set(`${r.user_id}|${r.type}`, { amount: Number(r.amount), count: Number(r.n) });
  }
  return out;
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
