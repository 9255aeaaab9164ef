/**
 * The write model's shards (ADR 0011), in both topologies: a user's rows are on its
 * shard, every id the API hands out names that shard, and an Idempotency-Key keeps one
 * meaning across shards. In single there is one shard and the same contract holds.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/app.ts';
import { testUser } from '../../testing/users.ts';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

type Json = Record<string, unknown>;

const post = (url: string, body: object, key = randomUUID()) =>
  t.app.inject({ method: 'POST', url, headers: { authorization: t.auth.write, 'idempotency-key': key }, payload: body });

/** A fresh user id on each shard (found by trying: the shard is a pure function of the id). */
function usersOnEveryShard(prefix: string): string[] {
  const found: string[] = [];
  for (let shard = 0; shard < t.shards.count; shard++) {
    let u = testUser(prefix);
    while (t.shards.ofUser(u) !== shard) u = testUser(prefix);
    found.push(u);
  }
  return found;
}

describe('shards', () => {
  it('as many shards as the topology has: one in single, MYSQL_SHARD_PORTS in cluster', () => {
    expect(t.shards.count).toBe(t.config.mysql.shards.length);
    expect(t.shards.count).toBe(t.config.topology === 'cluster' ? 2 : 1);
  });

  it("a user's rows are on its shard only, and its ids name that shard", async () => {
    for (const userId of usersOnEveryShard('shard')) {
      const shard = t.shards.ofUser(userId);
      const g = await post('/v1/points/grants', { userId, amount: 100, validDays: 30, reason: 'shards' });
      expect(g.statusCode, g.body).toBe(201);
      const u = await post('/v1/points/uses', { userId, amount: 30 });
      expect(u.statusCode, u.body).toBe(201);
      const useId = (u.json() as Json).useId as string;
      const c = await post(`/v1/points/uses/${useId}/cancellations`, { amount: 10 });
      expect(c.statusCode, c.body).toBe(201);
      const grantId = (g.json() as Json).grantId as string;
      const r = await post(`/v1/points/grants/${grantId}/revocations`, { reason: 'shards' });
      expect(r.statusCode, r.body).toBe(201);
      expect(r.json()).toMatchObject({ userId, seq: 4, balance: 0, revoked: 80 });

      const ids = [grantId, useId, (c.json() as Json).cancellationId, ...[g, u, c, r].map((x) => (x.json() as Json).eventId)] as string[];
      for (const id of ids) {
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(t.shards.ofId(id)).toBe(shard);
      }
      for (const [i, db] of t.shards.dbs.entries()) {
        const events = await db('point_events').where({ user_id: userId });
        expect(events).toHaveLength(i === shard ? 4 : 0);
      }
    }
  });

  it('an id that names no shard, or no row of its shard, is 404 NOT_FOUND and writes nothing', async () => {
    // First byte ff: no shard of ours (in single, shard 0, where it does not exist either).
    for (const id of [`ff${randomUUID().slice(2)}`, `00${randomUUID().slice(2)}`]) {
      const key = randomUUID();
      const res = await post(`/v1/points/grants/${id}/revocations`, { reason: 'r' }, key);
      expect(res.statusCode, res.body).toBe(404);
      expect((res.json() as { error: { code: string } }).error.code).toBe('NOT_FOUND');
      expect(await t.onEveryShard((db) => db('idempotency_keys').where({ idem_key: key }))).toEqual([]);
      expect(await t.onEveryShard((db) => db('idempotency_claims').where({ idem_key: key }))).toEqual([]);
    }
  });

  it('an Idempotency-Key used for one user is refused with another body for a user on any shard; nothing is written', async () => {
    // A user on every shard, and one more (in single: another user of the one shard).
    const users = [...usersOnEveryShard('idem-x'), testUser('idem-x')];
    const key = randomUUID();
    const first = await post('/v1/points/grants', { userId: users[0], amount: 50, validDays: 30, reason: 'first' }, key);
    expect(first.statusCode, first.body).toBe(201);
    for (const other of [...users.slice(1), ...users.slice(0, 1)]) {
      const again = await post('/v1/points/grants', { userId: other, amount: 50, validDays: 30, reason: 'first' }, key);
      if (other === users[0]) {
        // The same body again: the first answer, replayed.
        expect(again.statusCode).toBe(201);
        expect(again.headers['idempotent-replayed']).toBe('true');
        expect(again.json()).toEqual(first.json());
        continue;
      }
      expect(again.statusCode, again.body).toBe(409);
      expect((again.json() as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await t.dbOf(other)('point_wallets').where({ user_id: other })).toEqual([]);
      expect(await t.dbOf(other)('point_events').where({ user_id: other })).toEqual([]);
    }
    // One record (on the first user's shard) and, with shards, one confirmed claim.
    expect(await t.onEveryShard((db) => db('idempotency_keys').where({ idem_key: key }))).toHaveLength(1);
    const claims = await t.onEveryShard((db) => db('idempotency_claims').where({ idem_key: key }));
    expect(claims).toHaveLength(t.shards.count > 1 ? 1 : 0);
    for (const c of claims) expect(c).toMatchObject({ confirmed: 1 });
  });

  it('a refused command leaves no claim: the key is free for another request afterwards', async () => {
    const [userId] = usersOnEveryShard('idem-free');
    const key = randomUUID();
    const refused = await post('/v1/points/uses', { userId, amount: 10 }, key);
    expect(refused.statusCode, refused.body).toBe(409);
    expect(await t.onEveryShard((db) => db('idempotency_claims').where({ idem_key: key }))).toEqual([]);
    const granted = await post('/v1/points/grants', { userId, amount: 10, validDays: 30, reason: 'after a refusal' }, key);
    expect(granted.statusCode, granted.body).toBe(201);
  });
});
