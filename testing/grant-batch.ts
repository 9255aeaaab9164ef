/**
 * Test support: a grant batch (POST /v1/points/grant-batches) sent to the running API as
 * CSV, its progress followed to DONE, and what MySQL holds of it: every row's grant
 * carries its ref in its reason, so the grants of each ref can be counted (exactly one
 * each, whatever failed meanwhile). Used by the batch's e2e test and by `make chaos`.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { authHeaders, type StackConfig } from '../common/src/config.ts';
import { createShards } from '../common/src/mysql.ts';

export interface BatchPlan {
  /** The run's tag: in every ref and reason. */
  tag: string;
  users: string[];
  rows: { ref: string; userId: string; amount: number }[];
  csv: string;
}

export const BATCH_HEADER = 'ref,userId,amount,validDays,expiresAt,availableAt,reason,source,orderId';

/** `rows` rows over `users` users (round robin), amounts 1..50, 30 days, reason "<tag> <ref>". */
export function planBatch(prefix: string, users: number, rows: number): BatchPlan {
  const tag = `${prefix}-${randomUUID().slice(0, 8)}`;
  const userIds = Array.from({ length: users }, (_, i) => `${tag}-u${i}`);
  const out: BatchPlan['rows'] = [];
  const lines = [BATCH_HEADER];
  for (let i = 0; i < rows; i++) {
    const row = { ref: `${tag}-r${i}`, userId: userIds[i % users]!, amount: 1 + (i % 50) };
    out.push(row);
    lines.push(`${row.ref},${row.userId},${row.amount},30,,,${tag} ${row.ref},batch-test,`);
  }
  return { tag, users: userIds, rows: out, csv: `${lines.join('\n')}\n` };
}

export interface BatchStatus {
  batchId: string;
  state: 'RUNNING' | 'DONE';
  total: number;
  done: number;
  failed: number;
  errors: { ref: string; code: string; message: string }[];
}

const apiUrl = (config: StackConfig) => `http://${config.api.host}:${config.api.port}`;

/** Sends the batch (retrying while the API restarts: the same Idempotency-Key gives the same batch). */
export async function submitBatch(config: StackConfig, plan: BatchPlan, timeoutMs = 60_000): Promise<{ batchId: string; total: number }> {
  const key = `batch-${plan.tag}`;
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`${apiUrl(config)}/v1/points/grant-batches`, {
        method: 'POST',
        headers: { authorization: authHeaders(config.api.keys).admin, 'content-type': 'text/csv', 'idempotency-key': key },
        body: plan.csv,
      });
      if (r.status === 202) return (await r.json()) as { batchId: string; total: number };
      if (r.status < 500) throw new Error(`grant batch refused: ${r.status} ${(await r.text()).slice(0, 500)}`);
    } catch (e) {
      if ((e as Error).message.startsWith('grant batch refused') || Date.now() > until) throw e;
    }
    if (Date.now() > until) throw new Error('grant batch not accepted in time');
    await sleep(500);
  }
}

export async function batchStatus(config: StackConfig, batchId: string): Promise<BatchStatus | undefined> {
  try {
    const r = await fetch(`${apiUrl(config)}/v1/points/grant-batches/${batchId}`, { headers: { authorization: authHeaders(config.api.keys).admin } });
    return r.status === 200 ? ((await r.json()) as BatchStatus) : undefined;
  } catch {
    return undefined; // the API is restarting
  }
}

/** Polls until DONE (or the time is up: the last status seen, undefined if none). */
export async function waitForBatch(
  config: StackConfig,
  batchId: string,
  timeoutMs: number,
  onProgress?: (s: BatchStatus) => void,
): Promise<BatchStatus | undefined> {
  const until = Date.now() + timeoutMs;
  let last: BatchStatus | undefined;
  while (Date.now() < until) {
    const s = await batchStatus(config, batchId);
    if (s) {
      last = s;
      onProgress?.(s);
      if (s.state === 'DONE') return s;
    }
    await sleep(1000);
  }
  return last;
}

export interface BatchInMysql {
  /** Refs with exactly one grant. */
  grantedOnce: number;
  /** Refs with more than one grant (must be none). */
  grantedTwice: string[];
  /** Refs without a grant. */
  missing: string[];
  /** Users whose granted sum differs from their rows' sum. */
  wrongSums: string[];
}

/** What MySQL (every shard) holds of the plan: the grants per ref, by the ref in their reason. */
export async function batchInMysql(config: StackConfig, plan: BatchPlan): Promise<BatchInMysql> {
  const shards = createShards(config, 2);
  const perRef = new Map<string, number>();
  const perUser = new Map<string, number>();
  try {
    for (let i = 0; i < plan.users.length; i += 500) {
      const chunk = plan.users.slice(i, i + 500);
      for (const db of shards.dbs) {
        const [rows] = (await db.raw(
          `SELECT user_id, reason, amount FROM point_events WHERE user_id IN (${chunk.map(() => '?').join(',')}) AND type IN ('POINTS_GRANTED', 'POINTS_GRANT_PENDING')`,
          chunk,
        )) as [{ user_id: string; reason: string; amount: number }[]];
        for (const r of rows) {
          const ref = r.reason.slice(plan.tag.length + 1);
          perRef.set(ref, (perRef.get(ref) ?? 0) + 1);
          perUser.set(r.user_id, (perUser.get(r.user_id) ?? 0) + Number(r.amount));
        }
      }
    }
  } finally {
    await shards.destroy();
  }
  const expectedPerUser = new Map<string, number>();
  for (const r of plan.rows) expectedPerUser.set(r.userId, (expectedPerUser.get(r.userId) ?? 0) + r.amount);
  const grantedTwice = [...perRef].filter(([, n]) => n > 1).map(([ref]) => ref);
  return {
    grantedOnce: [...perRef.values()].filter((n) => n === 1).length,
    grantedTwice,
    missing: plan.rows.filter((r) => !perRef.has(r.ref)).map((r) => r.ref),
    wrongSums: plan.users.filter((u) => (perUser.get(u) ?? 0) !== (expectedPerUser.get(u) ?? 0)),
  };
}
