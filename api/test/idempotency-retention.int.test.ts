/**
 * Idempotency records are kept IDEMPOTENCY_RETENTION_DAYS, against the real MariaDB:
 * the maintenance run (POST /v1/points/expirations) deletes older ones, so a key
 * replayed after the retention runs as a new command, while a younger record is kept
 * and still replays. The purge deletes in bounded batches until a batch is short.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/app.ts';
import { testUser } from '../../testing/users.ts';
import { requestHash } from '../src/http/idempotency.ts';
import { purgeIdempotencyKeys } from '../src/ledger/idempotency-purge.ts';

const DAY = 24 * 3600 * 1000;
let t: TestApi;
/** The name of the key t.auth.write carries: the idempotency records' `client`. */
let writer: string;

beforeAll(async () => {
  t = await startTestApi();
  writer = t.config.api.keys.find((k) => `Bearer ${k.secret}` === t.auth.write)!.name;
});
afterAll(async () => {
  await t?.close();
});

function post(url: string, body: object, key: string, auth = t.auth.write) {
  return t.app.inject({ method: 'POST', url, headers: { authorization: auth, 'idempotency-key': key }, payload: body });
}

// A command's record is on its user's shard, a maintenance run's on its key's: look on every shard.
const record = async (key: string) => (await t.onEveryShard((db) => db('idempotency_keys').where({ client: writer, idem_key: key })))[0];
/** Moves a record's created_at back to `ageMs` before now (and its key's claim's, with shards). */
const age = (key: string, ageMs: number) =>
  Promise.all(
    t.shards.dbs.flatMap((db) =>
      ['idempotency_keys', 'idempotency_claims'].map((table) =>
        db(table)
          .where({ client: writer, idem_key: key })
          .update({ created_at: new Date(Date.now() - ageMs) }),
      ),
    ),
  );

describe('idempotency retention', () => {
  it('the maintenance run deletes records past the retention: their key is a new command; younger ones still replay', async () => {
    const days = t.config.api.idempotencyRetentionDays;
    const userId = testUser('idem-ret');
    const oldKey = `old-${randomUUID()}`;
    const youngKey = `young-${randomUUID()}`;
    const body = { userId, amount: 100, validDays: 30, reason: 'retention' };

    const first = await post('/v1/points/grants', body, oldKey);
    expect(first.statusCode, first.body).toBe(201);
    const young = await post('/v1/points/grants', { ...body, amount: 40 }, youngKey);
    expect(young.statusCode, young.body).toBe(201);
    await age(oldKey, days * DAY + 3600 * 1000); // an hour past the retention
    await age(youngKey, days * DAY - 3600 * 1000); // an hour short of it

    const run = await post('/v1/points/expirations', {}, randomUUID(), t.auth.admin);
    expect(run.statusCode, run.body).toBe(200);
    const answer = run.json() as Record<string, number>;
    expect(Object.keys(answer).sort()).toEqual([
      'activatedGrants',
      'activatedPoints',
      'expiredLots',
      'expiredPoints',
      'purgedIdempotencyKeys',
      'releasedHolds',
      'releasedPoints',
      'users',
    ]);
    expect(answer.purgedIdempotencyKeys).toBeGreaterThanOrEqual(1);
    expect(await record(oldKey)).toBeUndefined();
    expect(await record(youngKey)).toBeDefined();

    // The old key with the same body: executed again, a new command.
    const again = await post('/v1/points/grants', body, oldKey);
    expect(again.statusCode, again.body).toBe(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    const a = again.json() as Record<string, unknown>;
    const f = first.json() as Record<string, unknown>;
    expect(a.eventId).not.toBe(f.eventId);
    expect(a.grantId).not.toBe(f.grantId);
    expect(a).toMatchObject({ userId, seq: 3, balance: 240 });
    expect(await t.dbOf(userId)('point_events').where({ user_id: userId, type: 'POINTS_GRANTED' }).count({ c: '*' })).toEqual([{ c: 3 }]);
    expect(await record(oldKey)).toMatchObject({ status: 201 });

    // The young key: still the first answer, replayed, nothing written.
    const replay = await post('/v1/points/grants', { ...body, amount: 40 }, youngKey);
    expect(replay.statusCode, replay.body).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(young.json());
    expect(await t.dbOf(userId)('point_wallets').where({ user_id: userId }).first()).toMatchObject({ seq: 3, balance: 240 });
  });

  it('the replay of a maintenance run answers its first result, purge count included', async () => {
    const key = randomUUID();
    const first = await post('/v1/points/expirations', {}, key, t.auth.admin);
    expect(first.statusCode, first.body).toBe(200);
    const replay = await post('/v1/points/expirations', {}, key, t.auth.admin);
    expect(replay.statusCode).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
  });

  it('a maintenance run stored before purgedIdempotencyKeys existed still replays (without it)', async () => {
    const key = randomUUID();
    const admin = t.config.api.keys.find((k) => `Bearer ${k.secret}` === t.auth.admin)!.name;
    const stored = { expiredLots: 1, expiredPoints: 2, users: 1 };
    await t.shards
      .db(t.shards.ofKey(admin, key))('idempotency_keys')
      .insert({
        client: admin,
        idem_key: key,
        request_hash: requestHash('POST', '/v1/points/expirations', {}),
        status: 200,
        response: JSON.stringify(stored),
        created_at: new Date(),
      });
    const replay = await post('/v1/points/expirations', {}, key, t.auth.admin);
    expect(replay.statusCode, replay.body).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(stored);
  });

  it('deletes in batches until one is short, and nothing at or after the cutoff', async () => {
    const client = `purge-test-${randomUUID().slice(0, 8)}`;
    const cutoff = new Date(Date.now() - 400 * DAY);
    const rows = (n: number, at: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({
        client,
        idem_key: `${prefix}-${i}`,
        request_hash: 'x'.repeat(64),
        status: 201,
        response: '{}',
        created_at: new Date(at - i),
      }));
    const db = t.shards.db(0);
    await db('idempotency_keys').insert([
      ...rows(7, cutoff.getTime() - 1, 'before'),
      { client, idem_key: 'at-cutoff', request_hash: 'x'.repeat(64), status: 201, response: '{}', created_at: cutoff },
    ]);
    try {
      const r = await purgeIdempotencyKeys(db, cutoff, 3);
      // 7 of ours (older records of others, if any, go too): 3 + 3 + 1 at least.
      expect(r.deleted).toBeGreaterThanOrEqual(7);
      expect(r.batches).toBeGreaterThanOrEqual(3);
      const left = await db('idempotency_keys').where({ client }).pluck('idem_key');
      expect(left).toEqual(['at-cutoff']);
      expect(await purgeIdempotencyKeys(db, cutoff, 3)).toEqual({ deleted: 0, batches: 1 });
    } finally {
      await db('idempotency_keys').where({ client }).del();
    }
  });
});
