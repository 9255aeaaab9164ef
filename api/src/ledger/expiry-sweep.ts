/**
 * The expiry run: every lot whose expiry has passed at `asOf` and that still holds
 * points is expired, one POINTS_EXPIRED each, user by user, each user in its own short
 * transaction under the wallet lock (the same path as a command's lazy expiry). Safe
 * to run twice and concurrently with traffic: a user already swept yields no event.
 */
import type { Knex } from 'knex';
import { decide } from '../points/decide.ts';
import { evolve } from '../points/evolve.ts';
import { CommandTx } from './command-tx.ts';
import { decisionWrites, parseWallet, walletReads } from './wallet-repository.ts';

export interface SweepResult {
  expiredLots: number;
  expiredPoints: number;
  users: number;
}

export interface SweepDeps {
  db: Knex;
  schemaId: number;
  newId: () => string;
  log: (msg: string, data?: Record<string, unknown>) => void;
}

export async function sweepExpired(deps: SweepDeps, asOf: number, batchSize = 500): Promise<SweepResult> {
  const result: SweepResult = { expiredLots: 0, expiredPoints: 0, users: 0 };
  const asOfDate = new Date(asOf);
  const started = Date.now();
  const seen = new Set<string>();
  for (let batch = 1; ; batch++) {
    const rows: { user_id: string }[] = await deps.db('point_lots')
      .distinct('user_id')
      .where({ is_open: 1 })
      .andWhere('expires_at', '<=', asOfDate)
      .limit(batchSize);
    // A user listed again after its own transaction found nothing to expire: stop rather than loop.
    if (rows.length === 0 || rows.every((r) => seen.has(r.user_id))) break;
    for (const { user_id: userId } of rows) {
      seen.add(userId);
      const events = await CommandTx.run(deps.db, async (tx) => {
        const loaded = parseWallet(userId, {}, await tx.begin(walletReads(tx.format, userId)));
        const evs = decide({ kind: 'expire', userId }, loaded.wallet, asOf, deps.newId);
        if (evs.length === 0) return evs; // CommandTx rolls back
        await tx.commit(decisionWrites(tx.format, deps.schemaId, loaded, evs.reduce(evolve, loaded.wallet), evs, asOfDate));
        return evs;
      });
      if (events.length > 0) {
        result.users++;
        result.expiredLots += events.length;
        result.expiredPoints += events.reduce((s, e) => s + e.amount, 0);
      }
    }
    deps.log('expiry run: batch done', { batch, usersInBatch: rows.length, ...result, elapsedMs: Date.now() - started });
  }
  return result;
}
