/**
 * Idempotency records are kept IDEMPOTENCY_RETENTION_DAYS, then deleted by the
 * maintenance run (POST /v1/points/expirations). A key replayed after that is a new
 * command. The delete goes in bounded batches, each its own short READ COMMITTED
 * transaction (no gap locks) over the created_at index, so that commands inserting
 * their own records meanwhile never wait long. The claims of keys (idempotency_claims,
 * ADR 0011) go with the same retention.
 */
import type { Knex } from 'knex';
import { CommandTx } from './command-tx.ts';

export interface PurgeResult {
  deleted: number;
  batches: number;
}

/** Deletes every idempotency record created before `before` on every given shard, `batchSize` rows per transaction. */
export async function purgeIdempotencyKeys(dbs: Knex | Knex[], before: Date, batchSize = 5000): Promise<PurgeResult> {
  const result: PurgeResult = { deleted: 0, batches: 0 };
  for (const db of Array.isArray(dbs) ? dbs : [dbs]) {
    await purgeTable(db, 'idempotency_claims', before, batchSize);
    const keys = await purgeTable(db, 'idempotency_keys', before, batchSize);
    result.deleted += keys.deleted;
    result.batches += keys.batches;
  }
  return result;
}

async function purgeTable(db: Knex, table: 'idempotency_keys' | 'idempotency_claims', before: Date, batchSize: number): Promise<PurgeResult> {
  const result: PurgeResult = { deleted: 0, batches: 0 };
  for (;;) {
    const deleted = await CommandTx.run(db, async (tx) => {
      const [res] = await tx.begin([tx.format(`DELETE FROM ${table} WHERE created_at < ? ORDER BY created_at LIMIT ?`, [before, batchSize])]);
      await tx.commit([]);
      return (res as { affectedRows: number }).affectedRows;
    });
    result.batches++;
    result.deleted += deleted;
    if (deleted < batchSize) return result;
  }
}
