/**
 * A 50,000-row grant batch through the running API (CSV, 5,000 users x 10 rows), the API
 * killed with SIGKILL when about a third is done (single: `api`, its supervisor restarts
 * it; cluster: `api-1`, the other instance carries on and api-1 comes back): the batch
 * still ends DONE, and MySQL (every shard) holds exactly one grant per ref and the right
 * sum per user. Prints the time and the rate.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStackApi, type StackApi } from '../../testing/api.ts';
import { instances, stack } from '../../testing/stack-control.ts';
import { testUser } from '../../testing/users.ts';

const USERS = 5000;
const PER_USER = 10;
const ROWS = USERS * PER_USER;
const HEADER = 'ref,userId,amount,validDays,expiresAt,availableAt,reason,source,orderId';

let api: StackApi;
beforeAll(async () => {
  api = await connectStackApi();
});
afterAll(async () => {
  await stack('start', 'api'); // whatever happened, leave the API running
  await api?.close();
});

interface Status {
  state: string;
  total: number;
  done: number;
  failed: number;
}

/** A request that may meet the API while it restarts: undefined instead of a connection error or a 503. */
async function tryInject(request: Parameters<StackApi['app']['inject']>[0]) {
  try {
    const res = await api.app.inject(request);
    return res.statusCode >= 500 ? undefined : res;
  } catch {
    return undefined;
  }
}

async function statusOf(batchId: string): Promise<Status | undefined> {
  const res = await tryInject({ method: 'GET', url: `/v1/points/grant-batches/${batchId}`, headers: { authorization: api.auth.admin } });
  return res?.statusCode === 200 ? (res.json() as Status) : undefined;
}

describe('a 50,000-row grant batch through the running API', () => {
  it(
    'ends DONE after a SIGKILL of the API in the middle, each ref granted exactly once',
    async () => {
      const tag = `gbe-${randomUUID().slice(0, 6)}`;
      const users = Array.from({ length: USERS }, () => testUser(tag));
      // Rows interleaved over the users; amounts 1..97; the reason carries the ref, so each ref's grants can be counted.
      const rows = Array.from({ length: ROWS }, (_, i) => ({ ref: `${tag}-${i}`, userId: users[i % USERS]!, amount: 1 + (i % 97) }));
      const csv = `${[HEADER, ...rows.map((r) => `${r.ref},${r.userId},${r.amount},90,,,batch ${r.ref},e2e,`)].join('\n')}\n`;
      const key = `${tag}-batch`;

      const t0 = Date.now();
      let accepted: { batchId: string; total: number } | undefined;
      for (let i = 0; i < 20 && !accepted; i++) {
        const res = await tryInject({
          method: 'POST',
          url: '/v1/points/grant-batches',
          headers: { authorization: api.auth.admin, 'idempotency-key': key, 'content-type': 'text/csv' },
          payload: csv,
        });
        if (res) {
          expect(res.statusCode, res.body).toBe(202);
          accepted = res.json() as { batchId: string; total: number };
        } else await sleep(1000);
      }
      expect(accepted?.total).toBe(ROWS);
      const { batchId } = accepted!;
      const acceptedMs = Date.now() - t0;

      // About a third done: SIGKILL (in cluster one instance; HAProxy sends the polls to the other).
      let s: Status | undefined;
      for (s = await statusOf(batchId); !s || s.done + s.failed < ROWS / 3; s = await statusOf(batchId)) await sleep(250);
      const victim = api.config.topology === 'cluster' ? (await instances('api'))[0]!.name : 'api';
      await stack('kill', victim);
      const killedAt = { ms: Date.now() - t0, processed: s.done + s.failed };

      let last: Status | undefined;
      const until = Date.now() + 15 * 60_000;
      while (Date.now() < until) {
        last = (await statusOf(batchId)) ?? last;
        if (last?.state === 'DONE') break;
        await sleep(1000);
      }
      const seconds = (Date.now() - t0) / 1000;
      expect(last).toMatchObject({ state: 'DONE', total: ROWS, done: ROWS, failed: 0 });

      // In MySQL, every shard: one grant per ref, the sums per user, and the rows' grant ids those grants'.
      const perRef = new Map<string, number>();
      const perUser = new Map<string, number>();
      const grantIds = new Set<string>();
      for (let i = 0; i < users.length; i += 1000) {
        const chunk = users.slice(i, i + 1000);
        const events = await api.onEveryShard<{ user_id: string; reason: string; amount: number; grant_id: string }>((db) =>
          db('point_events').select('user_id', 'reason', 'amount', 'grant_id').whereIn('user_id', chunk).where({ type: 'POINTS_GRANTED' }),
        );
        for (const e of events) {
          const ref = e.reason.slice('batch '.length);
          perRef.set(ref, (perRef.get(ref) ?? 0) + 1);
          perUser.set(e.user_id, (perUser.get(e.user_id) ?? 0) + Number(e.amount));
          grantIds.add(e.grant_id);
        }
      }
      const expectedPerUser = new Map<string, number>();
      for (const r of rows) expectedPerUser.set(r.userId, (expectedPerUser.get(r.userId) ?? 0) + r.amount);
      expect(rows.filter((r) => perRef.get(r.ref) !== 1).map((r) => `${r.ref} x${perRef.get(r.ref) ?? 0}`)).toEqual([]);
      expect(perRef.size).toBe(ROWS);
      expect(users.filter((u) => perUser.get(u) !== expectedPerUser.get(u))).toEqual([]);
      const recorded = await api.shards.db(api.shards.ofId(batchId)!)('grant_batch_row').select('grant_id').where({ batch_id: batchId, state: 'DONE' });
      expect(recorded).toHaveLength(ROWS);
      expect(recorded.every((r) => grantIds.has(r.grant_id as string))).toBe(true);

      console.log(
        `[grant batch e2e, ${api.config.topology}] ${ROWS} rows (${USERS} users x ${PER_USER}), ${(csv.length / 1024 / 1024).toFixed(1)} MiB of CSV: ` +
          `accepted in ${(acceptedMs / 1000).toFixed(1)} s; SIGKILL of ${victim} at ${(killedAt.ms / 1000).toFixed(1)} s (${killedAt.processed} rows done); ` +
          `DONE after ${seconds.toFixed(1)} s: ${Math.round(ROWS / seconds)} rows/s overall, restart and lease included`,
      );
    },
    20 * 60_000,
  );
});
