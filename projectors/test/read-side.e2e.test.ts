/**
 * The read side end to end, through Debezium and the running projector services:
 * read-your-writes with minSeq, active grants, history, and a poison message that
 * goes to the dead-letter topic while the next good event is still applied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStackApi, testUser, type StackApi } from '../../testing/api.ts';
import { collect, endOffsets, testKafka } from '../../testing/kafka.ts';

let api: StackApi;
beforeAll(async () => {
  api = await connectStackApi();
});
afterAll(async () => api.close());

const post = (url: string, payload: object, key: string) =>
  api.app.inject({ method: 'POST', url, payload, headers: { authorization: api.auth.write, 'idempotency-key': key } });
const get = (url: string) => api.app.inject({ method: 'GET', url, headers: { authorization: api.auth.read } });

describe('read side', () => {
  it("answers a balance query with the command's balance once the projection has its seq", async () => {
    const userId = testUser('ryw');
    const g = await post('/v1/points/grants', { userId, amount: 1000, validDays: 10, reason: 'welcome' }, `${userId}-g`);
    const u = await post('/v1/points/uses', { userId, amount: 250 }, `${userId}-u`);
    expect(u.statusCode).toBe(201);
    const { seq, balance } = u.json();
    const b = await get(`/v1/users/${userId}/balance?minSeq=${seq}&waitMs=10000`);
    expect(b.statusCode).toBe(200);
    expect(b.json()).toMatchObject({ userId, balance, seq, expiringSoon: { amount: 750, withinDays: 30 } });
    expect(b.json().updatedAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    const grants = await get(`/v1/users/${userId}/grants`);
    expect(grants.json()).toEqual([{ grantId: g.json().grantId, remaining: 750, expiresAt: g.json().expiresAt }]);

    const h = await get(`/v1/users/${userId}/history?limit=10`);
    expect(h.json().items.map((i: { seq: number; type: string }) => [i.seq, i.type])).toEqual([
      [2, 'POINTS_USED'],
      [1, 'POINTS_GRANTED'],
    ]);
    expect(h.json().nextBeforeSeq).toBeNull();
  });

  it('answers 504 PROJECTION_BEHIND when minSeq is not reached in time, and 0/0 for an unknown user', async () => {
    const userId = testUser('behind');
    const r = await get(`/v1/users/${userId}/balance?minSeq=5&waitMs=200`);
    expect(r.statusCode).toBe(504);
    expect(r.json().error).toMatchObject({ code: 'PROJECTION_BEHIND', details: { minSeq: 5, seq: 0 } });
    const b = await get(`/v1/users/${userId}/balance`);
    expect(b.json()).toMatchObject({ userId, balance: 0, seq: 0, updatedAt: null });
    expect((await get(`/v1/users/${userId}/history`)).json()).toEqual({ items: [], nextBeforeSeq: null });
  });

  it('refuses bad query input and missing scopes', async () => {
    expect((await get('/v1/users/bad%20user/balance')).statusCode).toBe(400);
    expect((await get('/v1/users/x/history?limit=201')).json().error.code).toBe('VALIDATION_FAILED');
    expect((await get('/v1/users/x/balance?waitMs=10001')).json().error.code).toBe('VALIDATION_FAILED');
    const noScope = await api.app.inject({ method: 'GET', url: '/v1/users/x/balance', headers: { authorization: api.auth.write } });
    expect(noScope.statusCode).toBe(403);
  });

  it('sends a poison message to the dead-letter topic with the reason, and still applies the next good event', async () => {
    const userId = testUser('poison');
    const dlqFrom = await endOffsets(api.config.kafka.dlqTopic);
    const producer = testKafka('tests-poison').producer();
    await producer.connect();
    await producer.send({
      topic: api.config.kafka.pointsTopic,
      messages: [{ key: userId, value: Buffer.from('not avro at all'), headers: { id: 'poison-1' } }],
    });
    await producer.disconnect();

    const g = await post('/v1/points/grants', { userId, amount: 42, validDays: 5, reason: 'after poison' }, `${userId}-g`);
    const b = await get(`/v1/users/${userId}/balance?minSeq=${g.json().seq}&waitMs=10000`);
    expect(b.json()).toMatchObject({ balance: 42, seq: 1 });

    const dead = (await collect(api.config.kafka.dlqTopic, dlqFrom, (rec) => rec.filter((m) => m.key === userId).length >= 2, 30_000)).filter(
      (m) => m.key === userId,
    );
    expect(dead.map((m) => m.headers['dlq.projector']).sort()).toEqual(['clickhouse', 'redis']);
    for (const m of dead) {
      expect(m.value?.toString()).toBe('not avro at all');
      expect(m.headers['dlq.reason']).toMatch(/magic byte/);
      expect(m.headers['dlq.topic']).toBe(api.config.kafka.pointsTopic);
      expect(m.headers.id).toBe('poison-1');
      expect(Number(m.headers['dlq.offset'])).toBeGreaterThanOrEqual(0);
    }
  });
});
