/**
 * The lookups (API.md "Lookups") and the balance's held and pending, through the real
 * app against the real Redis: a grant, use or hold by id (with and without the user),
 * a user's active holds, an order across users; minSeq and waitMs as for the balance.
 *
 * The events are the projector's own work (RedisStore, the Lua script) on a key prefix of
 * this run: the app is built as support/app.ts builds it, but on a Redis client with that
 * prefix, so nothing of this test sits in the real model (a rebuild could not reproduce
 * it, verify would count it). Only Redis answers the queries: MySQL is never asked.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, loadConfig } from '../../common/src/config.ts';
import { createShards, type Shards } from '../../common/src/mysql.ts';
import { createRedis, deleteMatching, type RedisClient } from '../../common/src/redis.ts';
import { RedisStore } from '../../projectors/redis/writer.ts';
import { pointEvent, type EventDraft, type PointEvent } from '../../schemas/point-event.ts';
import { buildApp } from '../src/app.ts';

const config = loadConfig();
const prefix = `test-lookups-${randomUUID().slice(0, 8)}:`;
let redis: RedisClient;
let shards: Shards;
let app: FastifyInstance;
let store: RedisStore;

const read = authHeaders(config.api.keys).read;

beforeAll(async () => {
  // Without auto-pipelining: the store's script calls cannot be auto-pipelined on a cluster (writer.ts).
  redis = createRedis(config, { keyPrefix: prefix, enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  await redis.connect();
  // Built but never asked: the queries read Redis only.
  shards = createShards(config, 2);
  app = await buildApp({ config, shards, schemaId: 0, redis, rateLimitPrefix: `ledger:ratelimit:test-${randomUUID().slice(0, 8)}:`, logger: false });
  await app.ready();
  store = new RedisStore(redis, config.projectors.historyLimit);
});
afterAll(async () => {
  await app?.close();
  await shards?.destroy();
  await deleteMatching(redis, '*');
  redis.disconnect();
});

type Json = Record<string, any>;
const get = async (url: string, authorization = read) => {
  const res = await app.inject({ method: 'GET', url, headers: { authorization } });
  return { status: res.statusCode, body: res.json() as Json };
};

const T0 = Date.UTC(2026, 5, 1);
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** One user's events, numbered in order; balanceAfter, heldAfter and pendingAfter as given. */
function stream(userId: string) {
  let seq = 0;
  const events: PointEvent[] = [];
  return {
    events,
    add(d: Omit<EventDraft, 'eventId' | 'userId' | 'seq' | 'occurredAt'> & { occurredAt?: number }) {
      seq++;
      events.push(pointEvent({ eventId: randomUUID(), userId, seq, occurredAt: T0 + seq * 1000, ...d }));
      return seq;
    },
  };
}

const order = `order-${randomUUID().slice(0, 8)}`;
const alice = `alice-${randomUUID().slice(0, 8)}`;
const bob = `bob-${randomUUID().slice(0, 8)}`;
const ids = {
  g1: randomUUID(),
  pending: randomUUID(),
  u1: randomUUID(),
  c1: randomUUID(),
  h1: randomUUID(),
  u2: randomUUID(),
  h2: randomUUID(),
  h3: randomUUID(),
  bobGrant: randomUUID(),
};
const a = stream(alice);
const b = stream(bob);
// alice: 1000 granted (ACTIVE), 500 pending, uses 100 and cancels 40, holds 200 (captures
// 150, the rest released), holds 50 and 30 more (active; the second expires first).
a.add({ type: 'POINTS_GRANTED', amount: 1000, balanceAfter: 1000, grantId: ids.g1, expiresAt: T0 + 10 * DAY, reason: 'welcome', orderId: order });
a.add({
  type: 'POINTS_GRANT_PENDING',
  amount: 500,
  balanceAfter: 1000,
  pendingAfter: 500,
  grantId: ids.pending,
  expiresAt: T0 + 20 * DAY,
  availableAt: T0 + 5 * DAY,
  reason: 'purchase',
  source: 'shop',
  orderId: order,
});
a.add({
  type: 'POINTS_USED',
  amount: 100,
  balanceAfter: 900,
  pendingAfter: 500,
  useId: ids.u1,
  orderId: order,
  allocations: [{ grantId: ids.g1, amount: 100 }],
});
a.add({
  type: 'POINTS_USE_CANCELED',
  amount: 40,
  balanceAfter: 940,
  pendingAfter: 500,
  useId: ids.u1,
  cancellationId: ids.c1,
  allocations: [{ grantId: ids.g1, amount: 40 }],
});
a.add({
  type: 'POINTS_HELD',
  amount: 200,
  balanceAfter: 740,
  heldAfter: 200,
  pendingAfter: 500,
  holdId: ids.h1,
  expiresAt: T0 + DAY,
  orderId: order,
  reason: 'checkout',
  allocations: [{ grantId: ids.g1, amount: 200 }],
});
a.add({
  type: 'POINTS_USED',
  amount: 150,
  balanceAfter: 740,
  heldAfter: 50,
  pendingAfter: 500,
  useId: ids.u2,
  holdId: ids.h1,
  orderId: order,
  allocations: [{ grantId: ids.g1, amount: 150 }],
});
a.add({
  type: 'POINTS_HOLD_RELEASED',
  amount: 50,
  balanceAfter: 790,
  heldAfter: 0,
  pendingAfter: 500,
  holdId: ids.h1,
  allocations: [{ grantId: ids.g1, amount: 50 }],
});
a.add({
  type: 'POINTS_HELD',
  amount: 50,
  balanceAfter: 740,
  heldAfter: 50,
  pendingAfter: 500,
  holdId: ids.h2,
  expiresAt: T0 + 2 * DAY,
  allocations: [{ grantId: ids.g1, amount: 50 }],
});
const aliceSeq = a.add({
  type: 'POINTS_HELD',
  amount: 30,
  balanceAfter: 710,
  heldAfter: 80,
  pendingAfter: 500,
  holdId: ids.h3,
  expiresAt: T0 + DAY / 2,
  allocations: [{ grantId: ids.g1, amount: 30 }],
});
b.add({ type: 'POINTS_GRANTED', amount: 10, balanceAfter: 10, grantId: ids.bobGrant, expiresAt: T0 + 3 * DAY, reason: 'r', orderId: order });

describe('lookups', () => {
  beforeAll(async () => {
    await store.apply([...a.events, ...b.events]);
  });

  it('the balance answers held and pending besides balance; a pending lot is neither an active lot nor expiring soon', async () => {
    const res = await get(`/v1/users/${alice}/balance`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: alice, balance: 710, held: 80, pending: 500, seq: aliceSeq });
    expect(res.body.expiringSoon.amount).toBe(710);
    const grants = await get(`/v1/users/${alice}/grants`);
    expect(grants.body).toEqual([{ grantId: ids.g1, remaining: 710, expiresAt: iso(T0 + 10 * DAY) }]);
    expect((await get(`/v1/users/nobody-${randomUUID().slice(0, 8)}/balance`)).body).toMatchObject({ balance: 0, held: 0, pending: 0, seq: 0 });
  });

  it('GET /v1/grants/{grantId}: with or without the user', async () => {
    const want = {
      grantId: ids.g1,
      userId: alice,
      state: 'ACTIVE',
      amount: 1000,
      remaining: 710,
      expiresAt: iso(T0 + 10 * DAY),
      orderId: order,
      reason: 'welcome',
    };
    expect(await get(`/v1/grants/${ids.g1}`)).toEqual({ status: 200, body: want });
    expect(await get(`/v1/grants/${ids.g1}?userId=${alice}&minSeq=${aliceSeq}`)).toEqual({ status: 200, body: want });
    expect((await get(`/v1/grants/${ids.pending}`)).body).toEqual({
      grantId: ids.pending,
      userId: alice,
      state: 'PENDING',
      amount: 500,
      remaining: 500,
      availableAt: iso(T0 + 5 * DAY),
      expiresAt: iso(T0 + 20 * DAY),
      orderId: order,
      reason: 'purchase',
      source: 'shop',
    });
  });

  it('GET /v1/uses/{useId}: allocations, what was cancelled, and the hold of a capture', async () => {
    expect((await get(`/v1/uses/${ids.u1}`)).body).toEqual({
      useId: ids.u1,
      userId: alice,
      amount: 100,
      canceled: 40,
      orderId: order,
      allocations: [{ grantId: ids.g1, amount: 100 }],
      cancellations: [{ cancellationId: ids.c1, amount: 40, occurredAt: iso(T0 + 4000) }],
    });
    expect((await get(`/v1/uses/${ids.u2}?userId=${alice}`)).body).toEqual({
      useId: ids.u2,
      userId: alice,
      amount: 150,
      canceled: 0,
      orderId: order,
      holdId: ids.h1,
      allocations: [{ grantId: ids.g1, amount: 150 }],
      cancellations: [],
    });
  });

  it('GET /v1/holds/{holdId}: a partial capture stays CAPTURED after the rest is released; the active holds earliest expiry first', async () => {
    expect((await get(`/v1/holds/${ids.h1}`)).body).toEqual({
      holdId: ids.h1,
      userId: alice,
      state: 'CAPTURED',
      amount: 200,
      captured: 150,
      expiresAt: iso(T0 + DAY),
      orderId: order,
      useId: ids.u2,
    });
    const active = await get(`/v1/users/${alice}/holds`);
    expect(active.status).toBe(200);
    expect(active.body.map((h: Json) => [h.holdId, h.state, h.amount])).toEqual([
      [ids.h3, 'ACTIVE', 30],
      [ids.h2, 'ACTIVE', 50],
    ]);
    expect((await get(`/v1/users/${bob}/holds`)).body).toEqual([]);
  });

  it('GET /v1/orders/{orderId}: every grant, use and hold that carries it, whoever the user', async () => {
    const res = await get(`/v1/orders/${order}`);
    expect(res.status).toBe(200);
    expect(res.body.orderId).toBe(order);
    expect(res.body.grants.map((g: Json) => [g.userId, g.grantId, g.state])).toEqual([
      [alice, ids.g1, 'ACTIVE'],
      [bob, ids.bobGrant, 'ACTIVE'],
      [alice, ids.pending, 'PENDING'],
    ]);
    expect(res.body.uses.map((u: Json) => u.useId)).toEqual([ids.u1, ids.u2]);
    expect(res.body.holds.map((h: Json) => [h.holdId, h.state])).toEqual([[ids.h1, 'CAPTURED']]);
    expect(await get(`/v1/orders/${order}?userId=${bob}&minSeq=1`)).toEqual(res);
  });

  it('404 NOT_FOUND for an id the projection has not seen, or not of the user named', async () => {
    for (const url of [
      `/v1/grants/${randomUUID()}`,
      `/v1/uses/${randomUUID()}`,
      `/v1/holds/${randomUUID()}`,
      `/v1/grants/${ids.g1}?userId=${bob}`,
      `/v1/uses/${ids.g1}`,
      `/v1/orders/no-such-order-${randomUUID().slice(0, 8)}`,
      `/v1/orders/${'x'.repeat(100)}`,
    ]) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expect(res.body.error.code, url).toBe('NOT_FOUND');
    }
  });

  it('with userId and minSeq, waits for the write (read your write), and answers 504 PROJECTION_BEHIND when it does not come', async () => {
    const carol = `carol-${randomUUID().slice(0, 8)}`;
    const c = stream(carol);
    const grantId = randomUUID();
    const holdId = randomUUID();
    c.add({ type: 'POINTS_GRANTED', amount: 100, balanceAfter: 100, grantId, expiresAt: T0 + DAY, reason: 'r' });
    const held = c.add({
      type: 'POINTS_HELD',
      amount: 60,
      balanceAfter: 40,
      heldAfter: 60,
      holdId,
      expiresAt: T0 + DAY,
      allocations: [{ grantId, amount: 60 }],
    });
    const behind = await get(`/v1/holds/${holdId}?userId=${carol}&minSeq=${held}&waitMs=50`);
    expect(behind.status).toBe(504);
    expect(behind.body.error).toMatchObject({ code: 'PROJECTION_BEHIND', details: { minSeq: held, seq: 0 } });
    expect((await get(`/v1/users/${carol}/holds?minSeq=1&waitMs=0`)).status).toBe(504);
    // Without the user, not seen yet: 404, at once.
    expect((await get(`/v1/holds/${holdId}`)).status).toBe(404);
    // The projection gets there while the lookup waits.
    const waiting = get(`/v1/holds/${holdId}?userId=${carol}&minSeq=${held}&waitMs=5000`);
    const holds = get(`/v1/users/${carol}/holds?minSeq=${held}&waitMs=5000`);
    const grant = get(`/v1/grants/${grantId}?userId=${carol}&minSeq=${held}&waitMs=5000`);
    await new Promise((r) => setTimeout(r, 100));
    await store.apply(c.events);
    expect(await waiting).toMatchObject({ status: 200, body: { holdId, userId: carol, state: 'ACTIVE', amount: 60, captured: 0 } });
    expect((await holds).body.map((h: Json) => h.holdId)).toEqual([holdId]);
    expect(await grant).toMatchObject({ status: 200, body: { state: 'ACTIVE', amount: 100, remaining: 40 } });
  });

  it('400 VALIDATION_FAILED for minSeq without userId, a bad orderId, a bad id or an unknown parameter', async () => {
    for (const [url, field] of [
      [`/v1/grants/${ids.g1}?minSeq=1`, 'querystring.userId'],
      // Longer than Fastify's path parameters may be (100): refused before the schema, the field named `params`.
      [`/v1/orders/${'x'.repeat(101)}`, 'params'],
      ['/v1/orders/a%20b', 'params.orderId'],
      ['/v1/holds/not-a-uuid', 'params.holdId'],
      [`/v1/uses/${ids.u1}?userId=${alice}&waitMs=10001`, 'querystring.waitMs'],
      [`/v1/grants/${ids.g1}?foo=1`, 'querystring.foo'],
    ] as const) {
      const res = await get(url);
      expect(res.status, url).toBe(400);
      expect(res.body.error.code, url).toBe('VALIDATION_FAILED');
      expect(
        res.body.error.details.map((d: Json) => d.field),
        url,
      ).toContain(field);
    }
  });

  it('needs a key with points:read', async () => {
    const res = await app.inject({ method: 'GET', url: `/v1/grants/${ids.g1}` });
    expect(res.statusCode).toBe(401);
    const writeOnly = config.api.keys.find((k) => !k.scopes.includes('points:read'));
    if (writeOnly) expect((await get(`/v1/grants/${ids.g1}`, `Bearer ${writeOnly.secret}`)).status).toBe(403);
  });

  it('the OpenAPI document lists the lookups with their answers and error codes', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as Json;
    const code = (op: Json, status: string) => op.responses[status]?.content['application/json'].schema.properties.error.properties.code.enum;
    for (const path of ['/v1/grants/{grantId}', '/v1/uses/{useId}', '/v1/holds/{holdId}', '/v1/orders/{orderId}', '/v1/users/{userId}/holds']) {
      const op = doc.paths[path]?.get as Json;
      expect(op, path).toBeDefined();
      expect(op.responses['200'].content['application/json'].schema, path).toBeDefined();
      expect(code(op, '504'), path).toEqual(['PROJECTION_BEHIND']);
      expect(code(op, '400'), path).toEqual(['VALIDATION_FAILED']);
      expect(code(op, '404'), path).toEqual(path.startsWith('/v1/users/') ? undefined : ['NOT_FOUND']);
    }
    const grant = doc.paths['/v1/grants/{grantId}'].get.responses['200'].content['application/json'].schema;
    expect(grant.properties.state.anyOf.map((s: Json) => s.const ?? s.enum?.[0])).toEqual(['PENDING', 'ACTIVE', 'SPENT', 'EXPIRED', 'REVOKED']);
    const balance = doc.paths['/v1/users/{userId}/balance'].get.responses['200'].content['application/json'].schema;
    expect(balance.required).toEqual(expect.arrayContaining(['held', 'pending']));
  });
});
