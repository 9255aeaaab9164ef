/**
 * The lookups end to end: commands of the order lifecycle through MySQL, Debezium, Kafka
 * and the running Redis projector, then read back by id, by user and by order with
 * minSeq (read your write), as a client would.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStackApi, testUser, type StackApi } from '../../testing/api.ts';

let api: StackApi;
beforeAll(async () => {
  api = await connectStackApi();
});
afterAll(async () => api?.close());

type Json = Record<string, any>;
const post = async (url: string, payload: object) => {
  const res = await api.app.inject({ method: 'POST', url, payload, headers: { authorization: api.auth.write, 'idempotency-key': randomUUID() } });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(201);
  return res.json() as Json;
};
const get = async (url: string) => {
  const res = await api.app.inject({ method: 'GET', url, headers: { authorization: api.auth.read } });
  return { status: res.statusCode, body: res.json() as Json };
};

describe('lookups through the pipeline', () => {
  it('a pending grant, its activation, a hold captured in part: each found by id, by user and by order', async () => {
    const userId = testUser('lookup');
    const other = testUser('lookup-other');
    const orderId = `ord-${randomUUID().slice(0, 8)}`;
    const availableAt = new Date(Date.now() + 3_600_000).toISOString();
    const active = await post('/v1/points/grants', { userId, amount: 300, validDays: 30, reason: 'welcome' });
    const pending = await post('/v1/points/grants', { userId, amount: 200, validDays: 30, reason: 'purchase', orderId, availableAt });
    expect(pending).toMatchObject({ state: 'PENDING', balance: 300, pending: 200 });
    const w = `userId=${userId}&waitMs=10000`;

    let g = await get(`/v1/grants/${pending.grantId}?${w}&minSeq=${pending.seq}`);
    expect(g).toMatchObject({ status: 200, body: { grantId: pending.grantId, userId, state: 'PENDING', amount: 200, remaining: 200, availableAt, orderId } });
    expect((await get(`/v1/users/${userId}/grants`)).body.map((l: Json) => l.grantId)).toEqual([active.grantId]);
    expect((await get(`/v1/users/${userId}/balance?minSeq=${pending.seq}&waitMs=10000`)).body).toMatchObject({ balance: 300, held: 0, pending: 200 });

    const activated = await post(`/v1/points/grants/${pending.grantId}/activations`, {});
    g = await get(`/v1/grants/${pending.grantId}?${w}&minSeq=${activated.seq}`);
    expect(g.body).toMatchObject({ state: 'ACTIVE', remaining: 200 });

    const hold = await post('/v1/points/holds', { userId, amount: 400, orderId, ttlSeconds: 600 });
    expect((await get(`/v1/users/${userId}/holds?minSeq=${hold.seq}&waitMs=10000`)).body.map((h: Json) => [h.holdId, h.state, h.amount])).toEqual([
      [hold.holdId, 'ACTIVE', 400],
    ]);
    expect((await get(`/v1/users/${userId}/balance`)).body).toMatchObject({ balance: 100, held: 400, pending: 0 });

    const capture = await post(`/v1/points/holds/${hold.holdId}/captures`, { amount: 250 });
    expect(capture).toMatchObject({ captured: 250, released: 150 });
    const h = await get(`/v1/holds/${hold.holdId}?${w}&minSeq=${capture.seq}`);
    expect(h.body).toMatchObject({ holdId: hold.holdId, userId, state: 'CAPTURED', amount: 400, captured: 250, useId: capture.useId, orderId });
    expect((await get(`/v1/users/${userId}/holds`)).body).toEqual([]);
    // Without the user: the owner index finds it.
    expect((await get(`/v1/uses/${capture.useId}`)).body).toMatchObject({ useId: capture.useId, userId, amount: 250, holdId: hold.holdId, orderId });

    const theirs = await post('/v1/points/grants', { userId: other, amount: 5, validDays: 1, reason: 'r', orderId });
    const o = await get(`/v1/orders/${orderId}?userId=${other}&minSeq=${theirs.seq}&waitMs=10000`);
    expect(o.status).toBe(200);
    expect(o.body.grants.map((x: Json) => [x.userId, x.grantId])).toEqual([
      [userId, pending.grantId],
      [other, theirs.grantId],
    ]);
    expect(o.body.holds.map((x: Json) => x.holdId)).toEqual([hold.holdId]);
    expect(o.body.uses.map((x: Json) => x.useId)).toEqual([capture.useId]);
    expect((await get(`/v1/users/${userId}/balance?minSeq=${capture.seq}&waitMs=10000`)).body).toMatchObject({
      balance: capture.balance,
      held: capture.held,
      pending: capture.pending,
    });
  });
});
