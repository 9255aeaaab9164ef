/**
 * The grant batches in MySQL (migration 20261203000005, ADR 0014). A batch and its rows
 * live on the shard of the batch's Idempotency-Key (its id carries that shard); each
 * row's grant runs on its user's shard through the Ledger, not here.
 *
 *   createBatch   the batch, its rows and the key's idempotency record, in one transaction
 *   batchStatus   the counts and the first failed rows
 *   runningBatches, claimRows, finishRows: the workers' side (worker.ts)
 *
 * Leases are kept in the database's clock (NOW(3)), so that the instances' clocks do not
 * matter. The workers' statements go in few round trips on CommandTx (ADR 0007).
 */
import type { Knex } from 'knex';
import { BATCH_ERRORS_SHOWN, type BatchAccepted, type BatchStatus } from '../../../schemas/batch-answers.ts';
import type { Idempotency } from '../ledger/claims.ts';
import { CommandTx, rows } from '../ledger/command-tx.ts';
import { LedgerError } from '../ledger/ledger-error.ts';
import type { GrantFields } from './grant-row.ts';
import type { BatchRow } from './validate-rows.ts';

/** Rows per INSERT statement when a batch is written. */
const INSERT_CHUNK = 1000;
const RETRYABLE = new Set(['ER_DUP_ENTRY', 'ER_LOCK_DEADLOCK']);

export interface NewBatch {
  batchId: string;
  idempotency: Idempotency;
  rows: BatchRow[];
}

export type Created = { replayed: boolean; answer: BatchAccepted };

const reused = (key: string, why = 'this Idempotency-Key was used with a different request') =>
  new LedgerError('IDEMPOTENCY_KEY_REUSED', why, { idempotencyKey: key });

/**
 * Writes the batch, or finds the one this key made before. `claims`: more than one shard,
 * so the key is also claimed in idempotency_claims (ADR 0011; the batch is on the key's
 * shard, so the claim is in the same transaction). The key's idempotency record
 * (idempotency_keys, answer 202) makes a command with the same key a reuse, as any key.
 */
export async function createBatch(db: Knex, claims: boolean, batch: NewBatch, now: Date): Promise<Created> {
  const { client, key, requestHash } = batch.idempotency;
  const where = { client, idem_key: key };
  const answer: BatchAccepted = { batchId: batch.batchId, total: batch.rows.length };
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(
        async (trx): Promise<Created> => {
          if (claims) {
            const claim = await trx('idempotency_claims').select('request_hash').where(where).forUpdate().first();
            if (claim && claim.request_hash !== requestHash) throw reused(key);
            if (!claim) await trx('idempotency_claims').insert({ ...where, request_hash: requestHash, confirmed: 1, created_at: now });
          }
          const earlier = await trx('idempotency_keys').select('request_hash', 'status', 'response').where(where).forUpdate().first();
          if (earlier) {
            if (earlier.request_hash !== requestHash) throw reused(key);
            if (Number(earlier.status) === 0) throw reused(key, 'a request with this Idempotency-Key is still being processed');
            return { replayed: true, answer: JSON.parse(earlier.response as string) as BatchAccepted };
          }
          // The key's record may be gone (retention purge) while its batch stays: the same batch.
          const made = await trx('grant_batch').select('batch_id', 'total', 'request_hash').where(where).first();
          if (made) {
            if (made.request_hash !== requestHash) throw reused(key);
            return { replayed: true, answer: { batchId: made.batch_id as string, total: Number(made.total) } };
          }
          await trx('idempotency_keys').insert({ ...where, request_hash: requestHash, status: 202, response: JSON.stringify(answer), created_at: now });
          await trx('grant_batch').insert({
            batch_id: batch.batchId,
            ...where,
            request_hash: requestHash,
            state: 'RUNNING',
            total: batch.rows.length,
            done: 0,
            failed: 0,
            created_at: now,
            updated_at: now,
          });
          for (let i = 0; i < batch.rows.length; i += INSERT_CHUNK) {
            await trx('grant_batch_row').insert(batch.rows.slice(i, i + INSERT_CHUNK).map((r) => rowRecord(batch.batchId, r)));
          }
          return { replayed: false, answer };
        },
        { isolationLevel: 'read committed' },
      );
    } catch (e) {
      // A twin with the same key committed meanwhile (its key or batch came first): read it.
      if (attempt < 3 && RETRYABLE.has((e as { code?: string }).code ?? '')) continue;
      throw e;
    }
  }
}

const dateOrNull = (t: number | null) => (t === null ? null : new Date(t));

function rowRecord(batchId: string, r: BatchRow) {
  const g = r.grant;
  return {
    batch_id: batchId,
    ref: r.ref,
    line: r.line,
    user_id: g.userId,
    amount: g.amount,
    valid_days: g.validDays,
    expires_at: dateOrNull(g.expiresAt),
    available_at: dateOrNull(g.availableAt),
    reason: g.reason,
    source: g.source,
    order_id: g.orderId,
    state: 'PENDING',
  };
}

/** The batch's state and counts and its first failed rows, or undefined when there is no such batch. */
export async function batchStatus(db: Knex, batchId: string): Promise<BatchStatus | undefined> {
  const b = await db('grant_batch').select('state', 'total', 'done', 'failed', 'created_at', 'updated_at').where({ batch_id: batchId }).first();
  if (!b) return undefined;
  const failed = Number(b.failed);
  const errors =
    failed === 0
      ? []
      : await db('grant_batch_row')
          .select('ref', 'error_code', 'error_message')
          .where({ batch_id: batchId, state: 'FAILED' })
          .orderBy('line')
          .limit(BATCH_ERRORS_SHOWN);
  return {
    batchId,
    state: b.state as BatchStatus['state'],
    total: Number(b.total),
    done: Number(b.done),
    failed,
    errors: errors.map((e) => ({ ref: e.ref as string, code: e.error_code as string, message: e.error_message as string })),
    createdAt: (b.created_at as Date).toISOString(),
    updatedAt: (b.updated_at as Date).toISOString(),
  };
}

// ---------------------------------------------------------------- the workers' side

export interface RunningBatch {
  batchId: string;
  /** The API key's name that sent it: the client of its rows' idempotency keys. */
  client: string;
}

/** The batches still running on a shard, oldest first. */
export async function runningBatches(db: Knex, limit = 100): Promise<RunningBatch[]> {
  const found = await db('grant_batch').select('batch_id', 'client').where({ state: 'RUNNING' }).orderBy('created_at').limit(limit);
  return found.map((b) => ({ batchId: b.batch_id as string, client: b.client as string }));
}

/** A claimed row: its ref and the grant it stands for. */
export interface ClaimedRow {
  ref: string;
  line: number;
  grant: GrantFields;
}

interface RowRecord {
  ref: string;
  line: number;
  user_id: string;
  amount: number | string;
  valid_days: number | null;
  expires_at: Date | null;
  available_at: Date | null;
  reason: string;
  source: string | null;
  order_id: string | null;
}

const ms = (d: Date | null) => (d === null ? null : d.getTime());

/**
 * Up to `limit` PENDING rows of the batch that no live lease holds, in line order, now
 * leased to `worker` for `leaseMs`. SKIP LOCKED: rows another worker is claiming at this
 * moment are passed over, not waited for.
 */
export async function claimRows(db: Knex, batchId: string, worker: string, limit: number, leaseMs: number): Promise<ClaimedRow[]> {
  return CommandTx.run(db, async (tx) => {
    const f = tx.format;
    const [found] = await tx.begin([
      f(
        `SELECT ref, line, user_id, amount, valid_days, expires_at, available_at, reason, source, order_id FROM grant_batch_row
         WHERE batch_id = ? AND state = 'PENDING' AND (claimed_until IS NULL OR claimed_until < NOW(3))
         ORDER BY line LIMIT ? FOR UPDATE SKIP LOCKED`,
        [batchId, limit],
      ),
    ]);
    const claimed = rows<RowRecord>(found);
    if (claimed.length === 0) {
      await tx.commit([]);
      return [];
    }
    await tx.commit([
      f('UPDATE grant_batch_row SET claimed_by = ?, claimed_until = NOW(3) + INTERVAL ? MICROSECOND WHERE batch_id = ? AND ref IN (?)', [
        worker,
        leaseMs * 1000,
        batchId,
        claimed.map((r) => r.ref),
      ]),
    ]);
    return claimed.map((r) => ({
      ref: r.ref,
      line: Number(r.line),
      grant: {
        userId: r.user_id,
        amount: Number(r.amount),
        expiresAt: ms(r.expires_at),
        validDays: r.valid_days === null ? null : Number(r.valid_days),
        availableAt: ms(r.available_at),
        reason: r.reason,
        source: r.source,
        orderId: r.order_id,
      },
    }));
  });
}

/** What running a row came to. */
export type RowOutcome =
  | { ref: string; kind: 'done'; grantId: string }
  | { ref: string; kind: 'failed'; code: string; message: string }
  /** Not run (the worker stops) or not runnable now (a shard did not answer): free again after `retryMs`. */
  | { ref: string; kind: 'release'; retryMs: number };

export interface Finished {
  done: number;
  failed: number;
  total: number;
  /** This call made the batch DONE. */
  finishedNow: boolean;
  createdAt: Date;
}

/**
 * Records the outcomes of claimed rows and the batch's counts, in one transaction.
 *
 * A row is counted once whoever records it: only a PENDING row becomes DONE or FAILED.
 * A row another worker already recorded (its lease had run out and both ran it; the
 * ledger's idempotency gave both the same grant) is left as it is, except a FAILED row
 * that this worker found granted: a grant exists, so the row is DONE (a refusal depends
 * on the wallet at the time, so two runs may disagree; the grant is what happened).
 * Released rows are freed only where this worker still holds them.
 */
export async function finishRows(db: Knex, batchId: string, worker: string, outcomes: RowOutcome[]): Promise<Finished> {
  return CommandTx.run(db, async (tx) => {
    const f = tx.format;
    const refs = outcomes.map((o) => o.ref);
    const [found, batchRow] = await tx.begin([
      f('SELECT ref, state FROM grant_batch_row WHERE batch_id = ? AND ref IN (?) ORDER BY line FOR UPDATE', [batchId, refs]),
      f('SELECT total, created_at FROM grant_batch WHERE batch_id = ? FOR UPDATE', [batchId]),
    ]);
    const stateOf = new Map(rows<{ ref: string; state: string }>(found).map((r) => [r.ref, r.state]));
    const writes: string[] = [];
    let done = 0;
    let failed = 0;
    for (const o of outcomes) {
      const state = stateOf.get(o.ref);
      if (o.kind === 'done' && (state === 'PENDING' || state === 'FAILED')) {
        done++;
        if (state === 'FAILED') failed--;
        writes.push(
          f(
            "UPDATE grant_batch_row SET state = 'DONE', grant_id = ?, error_code = NULL, error_message = NULL, claimed_by = NULL, claimed_until = NULL, run_by = ?, finished_at = NOW(3) WHERE batch_id = ? AND ref = ?",
            [o.grantId, worker, batchId, o.ref],
          ),
        );
      } else if (o.kind === 'failed' && state === 'PENDING') {
        failed++;
        writes.push(
          f(
            "UPDATE grant_batch_row SET state = 'FAILED', error_code = ?, error_message = ?, claimed_by = NULL, claimed_until = NULL, run_by = ?, finished_at = NOW(3) WHERE batch_id = ? AND ref = ?",
            [o.code, o.message.slice(0, 500), worker, batchId, o.ref],
          ),
        );
      } else if (o.kind === 'release' && state === 'PENDING') {
        writes.push(
          f(
            "UPDATE grant_batch_row SET claimed_by = NULL, claimed_until = IF(? = 0, NULL, NOW(3) + INTERVAL ? MICROSECOND) WHERE batch_id = ? AND ref = ? AND claimed_by = ? AND state = 'PENDING'",
            [o.retryMs, o.retryMs * 1000, batchId, o.ref, worker],
          ),
        );
      }
    }
    const batch = rows<{ total: number; created_at: Date }>(batchRow)[0];
    if (!batch) throw new Error(`grant batch ${batchId} is gone`);
    const results = await tx.send([
      ...writes,
      ...(done !== 0 || failed !== 0
        ? [f('UPDATE grant_batch SET done = done + ?, failed = failed + ?, updated_at = NOW(3) WHERE batch_id = ?', [done, failed, batchId])]
        : []),
      f("UPDATE grant_batch SET state = 'DONE', updated_at = NOW(3) WHERE batch_id = ? AND state = 'RUNNING' AND done + failed >= total", [batchId]),
      f('SELECT done, failed FROM grant_batch WHERE batch_id = ?', [batchId]),
    ]);
    await tx.commit([]);
    const madeDone = (results[results.length - 2] as { affectedRows: number }).affectedRows === 1;
    const counts = rows<{ done: number; failed: number }>(results[results.length - 1])[0]!;
    return { done: Number(counts.done), failed: Number(counts.failed), total: Number(batch.total), finishedNow: madeDone, createdAt: batch.created_at };
  });
}
