/**
 * Grant batches in process (API.md "Operations", ADR 0014) against the stack's MariaDB:
 * accepted and run to DONE; refused whole when any row is bad; run by two apps' workers
 * at once, by a worker that stops in the middle, and after a worker died holding leases:
 * every row granted exactly once (the ledger's grants counted in MySQL); idempotent POST.
 *
 * The stack's running API has a worker too, and may run some of these rows: nothing
 * here depends on which worker runs which row, only on each row's grant happening once.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idOnShard } from '../../common/src/shards.ts';
import { testUser } from '../../testing/users.ts';
import type { BatchStatus } from '../../schemas/batch-answers.ts';
import { claimRows, createBatch } from '../src/batches/batch-store.ts';
import { BATCH_HEADER } from '../src/batches/parse-rows.ts';
import type { BatchRow } from '../src/batches/validate-rows.ts';
import { rowHash, rowKey } from '../src/batches/worker.ts';
import { Ledger } from '../src/ledger/ledger.ts';
import { grantAnswer } from '../src/routes/command-answers.ts';
import { grantBatchWorkerOf } from '../src/routes/grant-batches.ts';
import { grantCommandOf } from '../src/batches/grant-row.ts';
import { startTestApi, type TestApi } from './support/app.ts';

let a: TestApi;
let b: TestApi;
beforeAll(async () => {
  [a, b] = await Promise.all([startTestApi({ runGrantBatches: true }), startTestApi({ runGrantBatches: true })]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

interface Plan {
  users: string[];
  rows: { ref: string; userId: string; amount: number }[];
  csv: string;
}

/** `perUser` rows for each of `users` users, interleaved (consecutive rows are different users); amounts 1..97. */
function plan(prefix: string, users: number, perUser: number): Plan {
  const ids = Array.from({ length: users }, () => testUser(prefix));
  const rows = Array.from({ length: users * perUser }, (_, i) => ({ ref: `${prefix}-r${i}`, userId: ids[i % users]!, amount: 1 + (i % 97) }));
  const csv = `${[BATCH_HEADER, ...rows.map((r) => `${r.ref},${r.userId},${r.amount},30,,,"batch, ""${prefix}""",int-test,`)].join('\n')}\n`;
  return { users: ids, rows, csv };
}

const post = (t: TestApi, payload: string | object, key: string, contentType = typeof payload === 'string' ? 'text/csv' : 'application/json') =>
  t.app.inject({
    method: 'POST',
    url: '/v1/points/grant-batches',
    headers: { authorization: t.auth.admin, 'idempotency-key': key, 'content-type': contentType },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

const status = async (t: TestApi, batchId: string): Promise<BatchStatus> => {
  const res = await t.app.inject({ method: 'GET', url: `/v1/points/grant-batches/${batchId}`, headers: { authorization: t.auth.admin } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as BatchStatus;
};

async function waitDone(t: TestApi, batchId: string, timeoutMs = 60_000): Promise<BatchStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(t, batchId);
    if (s.state === 'DONE' || Date.now() > until) return s;
    await sleep(200);
  }
}

interface GrantEvent {
  user_id: string;
  grant_id: string;
  amount: number;
}

/** The ledger's grant events of these users, on every shard. */
const grantsOf = (t: TestApi, users: string[]) =>
  t.onEveryShard<GrantEvent>(async (db: Knex) =>
    db('point_events').select('user_id', 'grant_id', 'amount').whereIn('user_id', users).whereIn('type', ['POINTS_GRANTED', 'POINTS_GRANT_PENDING']),
  );

const batchRows = (t: TestApi, batchId: string) =>
  t.shards
    .db(t.shards.ofId(batchId)!)('grant_batch_row')
    .select('ref', 'state', 'grant_id', 'claimed_by', 'claimed_until', 'run_by', 'error_code')
    .where({ batch_id: batchId })
    .orderBy('line');

/** Every row of the plan granted once: one grant event per row, the row's grant id, the sums per user. */
async function expectGrantedOnce(t: TestApi, p: Plan, batchId: string): Promise<void> {
  const events = await grantsOf(t, p.users);
  const rows = await batchRows(t, batchId);
  expect(rows.every((r) => r.state === 'DONE')).toBe(true);
  expect(events).toHaveLength(p.rows.length);
  expect(new Set(events.map((e) => e.grant_id)).size).toBe(p.rows.length);
  expect(new Set(rows.map((r) => r.grant_id))).toEqual(new Set(events.map((e) => e.grant_id)));
  const sums = (list: { user_id?: string; userId?: string; amount: number }[]) => {
    const m = new Map<string, number>();
    for (const x of list) m.set((x.user_id ?? x.userId)!, (m.get((x.user_id ?? x.userId)!) ?? 0) + Number(x.amount));
    return m;
  };
  expect(sums(events)).toEqual(sums(p.rows));
}

describe('a grant batch', () => {
  it('is accepted (202 {batchId, total}) and runs to DONE, one grant per row; GET follows it', async () => {
    const p = plan('gb-ok', 5, 4);
    const res = await post(a, p.csv, randomUUID());
    expect(res.statusCode, res.body).toBe(202);
    const { batchId, total } = res.json() as { batchId: string; total: number };
    expect(total).toBe(20);
    expect(a.shards.ofId(batchId)).toBeDefined();
    const done = await waitDone(a, batchId);
    expect(done).toMatchObject({ batchId, state: 'DONE', total: 20, done: 20, failed: 0, errors: [] });
    await expectGrantedOnce(a, p, batchId);
    // The grant is the one POST /v1/points/grants makes: 30 days, the reason with its quotes and comma.
    const lot = await a.dbOf(p.users[0]!)('point_lots').where({ user_id: p.users[0] }).first();
    expect(lot).toMatchObject({ reason: 'batch, "gb-ok"', source: 'int-test' });
    expect(Math.abs(Number(new Date(lot.expires_at)) - Number(new Date(lot.granted_at)) - 30 * 86_400_000)).toBeLessThan(1000);
  });

  it('takes JSON {items} too', async () => {
    const users = [testUser('gb-json'), testUser('gb-json')];
    const res = await post(a, { items: users.map((userId, i) => ({ ref: `j${i}`, userId, amount: 10 + i, reason: 'json', orderId: `o-${i}` })) }, randomUUID());
    expect(res.statusCode, res.body).toBe(202);
    const done = await waitDone(a, (res.json() as { batchId: string }).batchId);
    expect(done).toMatchObject({ state: 'DONE', total: 2, done: 2, failed: 0 });
    expect((await grantsOf(a, users)).map((g) => Number(g.amount)).sort()).toEqual([10, 11]);
  });

  it('with a bad row is refused whole: 400 listing every bad row by ref and line, and nothing is written', async () => {
    const users = [testUser('gb-bad'), testUser('gb-bad')];
    const key = randomUUID();
    const csv = [
      BATCH_HEADER,
      `ok1,${users[0]},10,,,,fine,,`,
      `bad1,${users[0]},-5,,,,negative,,`,
      `ok2,${users[1]},10,,,,fine,,`,
      `bad2,no spaces allowed,10,,,,x,,`,
      `bad3,${users[1]},10,5,2030-01-01T00:00:00Z,,both,,`,
      `ok1,${users[1]},10,,,,again,,`,
    ].join('\n');
    const res = await post(a, csv, key);
    expect(res.statusCode, res.body).toBe(400);
    const error = (res.json() as { error: { code: string; message: string; details: unknown[] } }).error;
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(/^4 of 6 rows are not valid grants; nothing was written/);
    expect(error.details).toEqual([
      { ref: 'bad1', line: 3, field: 'amount', message: 'must be >= 1' },
      { ref: 'bad2', line: 5, field: 'userId', message: expect.stringMatching(/pattern/) },
      { ref: 'bad3', line: 6, field: 'validDays', message: 'give expiresAt or validDays, not both' },
      { ref: 'ok1', line: 7, field: 'ref', message: 'repeats the ref of line 2' },
    ]);
    const batches = await a.onEveryShard((db) => db('grant_batch').where({ idem_key: key }));
    expect(batches).toEqual([]);
    expect(await grantsOf(a, users)).toEqual([]);
    expect(await a.onEveryShard((db) => db('idempotency_keys').where({ idem_key: key }))).toEqual([]);
  });

  it('answers 413 over 10 MiB, 415 for a body that is neither CSV nor JSON, 404 for an unknown batch', async () => {
    const big = await post(a, `${BATCH_HEADER}\n${'x'.repeat(10 * 1024 * 1024)}`, randomUUID());
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'the body is larger than 10 MiB' } });
    const plain = await post(a, 'ref\n', randomUUID(), 'text/plain');
    expect(plain.statusCode).toBe(415);
    expect((plain.json() as { error: { code: string } }).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const unknown = await a.app.inject({ method: 'GET', url: `/v1/points/grant-batches/${idOnShard(0)}`, headers: { authorization: a.auth.admin } });
    expect(unknown.statusCode).toBe(404);
    expect((unknown.json() as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const noShard = await a.app.inject({ method: 'GET', url: `/v1/points/grant-batches/${idOnShard(200)}`, headers: { authorization: a.auth.admin } });
    expect(noShard.statusCode).toBe(404);
    // Scope admin (API.md, "Operations"): a key that only writes cannot send or read a batch.
    const read = await a.app.inject({ method: 'GET', url: `/v1/points/grant-batches/${idOnShard(0)}`, headers: { authorization: a.auth.write } });
    expect(read.statusCode).toBe(403);
    const send = await a.app.inject({
      method: 'POST',
      url: '/v1/points/grant-batches',
      headers: { authorization: a.auth.write, 'idempotency-key': randomUUID(), 'content-type': 'text/csv' },
      payload: `${BATCH_HEADER}\nr1,u1,10,30,,,x,,\n`,
    });
    expect(send.statusCode).toBe(403);
  });

  it('is idempotent: the same key and body give the same batch once; another body, or a grant with the key, is 409', async () => {
    const p = plan('gb-idem', 3, 2);
    const key = randomUUID();
    const first = await post(a, p.csv, key);
    expect(first.statusCode, first.body).toBe(202);
    const again = await post(b, p.csv, key);
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const other = await post(a, p.csv.replace(',1,30,', ',2,30,'), key);
    expect(other.statusCode).toBe(409);
    expect((other.json() as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const grant = await a.app.inject({
      method: 'POST',
      url: '/v1/points/grants',
      headers: { authorization: a.auth.admin, 'idempotency-key': key },
      payload: { userId: p.users[0], amount: 1, reason: 'same key' },
    });
    expect(grant.statusCode).toBe(409);
    const { batchId } = first.json() as { batchId: string };
    await waitDone(a, batchId);
    expect(await a.onEveryShard((db) => db('grant_batch').where({ idem_key: key }))).toHaveLength(1);
    await expectGrantedOnce(a, p, batchId);
  });

  it('run by two apps at once grants every row exactly once', async () => {
    const p = plan('gb-two', 300, 10);
    const res = await post(a, p.csv, randomUUID());
    expect(res.statusCode, res.body).toBe(202);
    const { batchId } = res.json() as { batchId: string };
    const done = await waitDone(b, batchId);
    expect(done).toMatchObject({ state: 'DONE', total: 3000, done: 3000, failed: 0 });
    await expectGrantedOnce(a, p, batchId);
    const runBy = new Set((await batchRows(a, batchId)).map((r) => r.run_by as string));
    // Both apps took part (the stack's API may have too).
    expect(runBy).toContain(grantBatchWorkerOf(a.app)!.id);
    expect(runBy).toContain(grantBatchWorkerOf(b.app)!.id);
  });

  it('left by a worker that stops in the middle: it records what it ran, releases the rest, and another finishes it', async () => {
    const c = await startTestApi({ runGrantBatches: true });
    const p = plan('gb-stop', 200, 10);
    const res = await post(c, p.csv, randomUUID());
    expect(res.statusCode, res.body).toBe(202);
    const { batchId } = res.json() as { batchId: string };
    for (let s = await status(c, batchId); s.done < 100; s = await status(c, batchId)) await sleep(20);
    const stopping = grantBatchWorkerOf(c.app)!.id;
    await c.close();
    const after = await batchRows(a, batchId);
    // Nothing stays leased to the stopped worker, and what it ran is recorded as its own.
    expect(after.filter((r) => r.claimed_by === stopping)).toEqual([]);
    expect(after.filter((r) => r.run_by === stopping).length).toBeGreaterThan(0);
    const done = await waitDone(a, batchId);
    expect(done).toMatchObject({ state: 'DONE', total: 2000, done: 2000, failed: 0 });
    await expectGrantedOnce(a, p, batchId);
  });

  it('left by a worker that died holding leases (some rows granted, none recorded): taken over after the lease, each row granted once', async () => {
    const p = plan('gb-dead', 20, 5);
    const shard = 0;
    const batchId = idOnShard(shard);
    const db = a.shards.db(shard);
    const rows: BatchRow[] = p.rows.map((r, i) => ({
      ref: r.ref,
      line: i + 2,
      grant: { userId: r.userId, amount: r.amount, validDays: 30, expiresAt: null, availableAt: null, reason: 'dead worker', source: null, orderId: null },
    }));
    const writer = a.config.api.keys.find((k) => k.scopes.includes('points:write'))!.name;
    await createBatch(db, a.shards.count > 1, { batchId, idempotency: { client: writer, key: randomUUID(), requestHash: 'x'.repeat(64) }, rows }, new Date());
    // The dead worker: it claimed rows for 4 s and granted half of them, then died before recording anything.
    const claimed = await claimRows(db, batchId, 'dead-worker', rows.length, 4000);
    const ledger = new Ledger({ shards: a.shards, schemaId: a.schemaId, clock: Date.now });
    const granted = new Map<string, string>();
    for (const row of claimed.slice(0, Math.ceil(claimed.length / 2))) {
      const grantId = a.shards.newIdFor({ userId: row.grant.userId });
      const r = await ledger.execute({
        idempotency: { client: writer, key: rowKey(batchId, row.ref), requestHash: rowHash(batchId, row) },
        target: { userId: row.grant.userId },
        build: () => grantCommandOf(row.grant, grantId, Date.now()),
        respond: grantAnswer(grantId),
      });
      granted.set(row.ref, r.body.grantId);
    }
    expect(claimed.length).toBeGreaterThan(rows.length / 2);

    // Within the lease, nobody touches its rows.
    await sleep(1500);
    const during = await batchRows(a, batchId);
    const deadRefs = new Set(claimed.map((r) => r.ref));
    expect(during.filter((r) => deadRefs.has(r.ref)).every((r) => r.state === 'PENDING' && r.claimed_by === 'dead-worker')).toBe(true);

    const done = await waitDone(a, batchId);
    expect(done).toMatchObject({ state: 'DONE', total: rows.length, done: rows.length, failed: 0 });
    await expectGrantedOnce(a, p, batchId);
    // The rows the dead worker granted kept its grant: the takeover got it back from the ledger.
    const after = await batchRows(a, batchId);
    for (const [ref, grantId] of granted) expect(after.find((r) => r.ref === ref)?.grant_id).toBe(grantId);
  });

  it('lists a row whose grant the ledger refuses as FAILED with its code; the others are granted', async () => {
    const p = plan('gb-fail', 4, 1);
    const shard = 0;
    const batchId = idOnShard(shard);
    const db = a.shards.db(shard);
    const writer = a.config.api.keys.find((k) => k.scopes.includes('points:write'))!.name;
    // Row 2's idempotency key was used before for another request: the ledger refuses its grant.
    const userOfRow2 = p.rows[2]!.userId;
    await a
      .dbOf(userOfRow2)('idempotency_keys')
      .insert({
        client: writer,
        idem_key: rowKey(batchId, p.rows[2]!.ref),
        request_hash: 'y'.repeat(64),
        status: 201,
        response: '{}',
        created_at: new Date(),
      });
    if (a.shards.count > 1) {
      const keyShard = a.shards.ofKey(writer, rowKey(batchId, p.rows[2]!.ref));
      await a.shards
        .db(keyShard)('idempotency_claims')
        .insert({
          client: writer,
          idem_key: rowKey(batchId, p.rows[2]!.ref),
          request_hash: 'y'.repeat(64),
          confirmed: 1,
          created_at: new Date(),
        });
    }
    const rows: BatchRow[] = p.rows.map((r, i) => ({
      ref: r.ref,
      line: i + 2,
      grant: { userId: r.userId, amount: r.amount, validDays: null, expiresAt: null, availableAt: null, reason: 'fails', source: null, orderId: null },
    }));
    await createBatch(db, a.shards.count > 1, { batchId, idempotency: { client: writer, key: randomUUID(), requestHash: 'z'.repeat(64) }, rows }, new Date());
    const done = await waitDone(a, batchId);
    expect(done).toMatchObject({
      state: 'DONE',
      total: 4,
      done: 3,
      failed: 1,
      errors: [{ ref: p.rows[2]!.ref, code: 'IDEMPOTENCY_KEY_REUSED', message: 'this Idempotency-Key was used with a different request' }],
    });
    expect((await grantsOf(a, p.users)).map((g) => g.user_id).sort()).toEqual(p.users.filter((u) => u !== userOfRow2).sort());
  });
});
