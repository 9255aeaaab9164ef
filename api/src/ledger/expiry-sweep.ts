/**
 * The maintenance run: for every user with something due at `asOf` (a pending lot whose
 * availableAt has come, an active hold that has lapsed, a lot whose expiry has passed
 * with points left), the lazy steps every command starts with, in their order: activate,
 * release, expire. User by user, each in its own short transaction under the wallet
 * lock (the same path as a command's lazy steps). Safe to run twice and concurrently
 * with traffic: a user already done yields no event. Every shard in turn (ADR 0011);
 * the result sums them.
 */
import type { Knex } from 'knex';
import type { Shards } from '../../../common/src/mysql.ts';
import { decide } from '../points/decide.ts';
import { evolve } from '../points/evolve.ts';
import { CommandTx } from './command-tx.ts';
import { currentEncoder, decisionWrites, parseWallet, walletReads } from './wallet-repository.ts';

export interface SweepResult {
  expiredLots: number;
  expiredPoints: number;
  users: number;
  activatedGrants: number;
  activatedPoints: number;
  releasedHolds: number;
  releasedPoints: number;
}

export interface SweepDeps {
  shards: Shards;
  schemaId: number;
  log: (msg: string, data?: Record<string, unknown>) => void;
}

export async function sweepExpired(deps: SweepDeps, asOf: number, batchSize = 500): Promise<SweepResult> {
  const result: SweepResult = { expiredLots: 0, expiredPoints: 0, users: 0, activatedGrants: 0, activatedPoints: 0, releasedHolds: 0, releasedPoints: 0 };
  const started = Date.now();
  for (const [i, db] of deps.shards.dbs.entries()) {
    const shard = deps.shards.count > 1 ? { shard: i + 1 } : {};
    await sweepShard(db, deps, asOf, batchSize, result, (msg, data) => deps.log(msg, { ...shard, ...data, elapsedMs: Date.now() - started }));
  }
  return result;
}

async function sweepShard(db: Knex, deps: SweepDeps, asOf: number, batchSize: number, result: SweepResult, log: SweepDeps['log']): Promise<void> {
  const asOfDate = new Date(asOf);
  const encode = currentEncoder(deps.schemaId);
  const seen = new Set<string>();
  for (let batch = 1; ; batch++) {
    // Users with something due: lapsed lots, due pending lots, lapsed holds (each part has an index).
    const [rows] = (await db.raw(
      `(SELECT DISTINCT user_id FROM point_lots WHERE is_open = 1 AND expires_at <= ? LIMIT ?)
       UNION (SELECT DISTINCT user_id FROM point_lots WHERE is_open = 1 AND pending = 1 AND available_at <= ? LIMIT ?)
       UNION (SELECT DISTINCT user_id FROM point_holds WHERE state = 'ACTIVE' AND expires_at <= ? LIMIT ?)`,
      [asOfDate, batchSize, asOfDate, batchSize, asOfDate, batchSize],
    )) as [{ user_id: string }[]];
    // A user listed again after its own transaction found nothing to expire: stop rather than loop.
    if (rows.length === 0 || rows.every((r) => seen.has(r.user_id))) break;
    for (const { user_id: userId } of rows) {
      seen.add(userId);
      const events = await CommandTx.run(db, async (tx) => {
        const loaded = parseWallet(userId, {}, await tx.begin(walletReads(tx.format, userId)));
        const evs = decide({ kind: 'expire', userId }, loaded.wallet, asOf, () => deps.shards.newIdFor({ userId }));
        if (evs.length === 0) return evs; // CommandTx rolls back
        await tx.commit(decisionWrites(tx.format, encode, loaded, evs.reduce(evolve, loaded.wallet), evs, asOfDate));
        return evs;
      });
      if (events.length > 0) result.users++;
      for (const e of events) {
        if (e.type === 'POINTS_EXPIRED') {
          result.expiredLots++;
          result.expiredPoints += e.amount;
        } else if (e.type === 'POINTS_GRANT_ACTIVATED') {
          result.activatedGrants++;
          result.activatedPoints += e.amount;
        } else if (e.type === 'POINTS_HOLD_RELEASED') {
          result.releasedHolds++;
          result.releasedPoints += e.amount;
        }
      }
    }
    log('expiry run: batch done', { batch, usersInBatch: rows.length, ...result });
  }
}
