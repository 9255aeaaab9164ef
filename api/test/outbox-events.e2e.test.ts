/**
 * A command's events travel outbox -> Debezium -> points.events: each message
 * decodes, through the schema registry (subject points.events-value), to exactly the
 * event that point_events holds, keyed by the user, in seq order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { startTestApi, type TestApi } from './support/app.ts';
import { testUser } from '../../testing/users.ts';
import { collect, endOffsets } from '../../testing/kafka.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => api.close());

const post = (url: string, payload: object, key: string) =>
  api.app.inject({ method: 'POST', url, payload, headers: { authorization: api.auth.write, 'idempotency-key': key } });

describe('API events on points.events', () => {
  it('decode with the registered schema to the rows of point_events', async () => {
    const topic = api.config.kafka.pointsTopic;
    const from = await endOffsets(topic);
    const userId = testUser('e2e');

    const g = await post('/v1/points/grants', { userId, amount: 1000, validDays: 10, reason: 'welcome', source: 'signup' }, `${userId}-1`);
    expect(g.statusCode).toBe(201);
    const u = await post('/v1/points/uses', { userId, amount: 400, orderId: 'order-1' }, `${userId}-2`);
    expect(u.statusCode).toBe(201);
    const c = await post(`/v1/points/uses/${u.json().useId}/cancellations`, { amount: 150, reason: 'item returned' }, `${userId}-3`);
    expect(c.statusCode).toBe(201);
    const r = await post(`/v1/points/grants/${g.json().grantId}/revocations`, { reason: 'fraud' }, `${userId}-4`);
    expect(r.statusCode).toBe(201);

    const messages = (await collect(topic, from, (rec) => rec.filter((m) => m.key === userId).length >= 4, 60_000)).filter((m) => m.key === userId);
    expect(messages).toHaveLength(4);

    const registry = new SchemaRegistry({ host: api.config.registry.url });
    const decoded = await Promise.all(messages.map((m) => registry.decode(m.value!)));
    expect(messages.map((m) => m.value!.readInt32BE(1))).toEqual([api.schemaId, api.schemaId, api.schemaId, api.schemaId]);

    const rows = await api.dbOf(userId)('point_events').where({ user_id: userId }).orderBy('seq');
    const expected = rows.map((row) => ({
      eventId: row.event_id,
      userId: row.user_id,
      seq: Number(row.seq),
      type: row.type,
      amount: Number(row.amount),
      balanceAfter: Number(row.balance_after),
      occurredAt: (row.occurred_at as Date).getTime(),
      grantId: row.grant_id,
      useId: row.use_id,
      cancellationId: row.cancellation_id,
      expiresAt: row.expires_at ? (row.expires_at as Date).getTime() : null,
      allocations: JSON.parse(row.allocations as string),
      reason: row.reason,
      source: row.source,
      orderId: row.order_id,
      holdId: row.hold_id,
      availableAt: row.available_at ? (row.available_at as Date).getTime() : null,
      heldAfter: Number(row.held_after),
      pendingAfter: Number(row.pending_after),
    }));
    expect(decoded).toEqual(expected);
    expect(decoded.map((d) => (d as { type: string }).type)).toEqual(['POINTS_GRANTED', 'POINTS_USED', 'POINTS_USE_CANCELED', 'POINTS_REVOKED']);
    expect(messages.map((m) => m.headers.id)).toEqual(rows.map((row) => row.event_id));
    expect(messages.map((m) => m.headers.eventType)).toEqual(rows.map((row) => row.type));
    // Only the contract's headers: Debezium's own context headers are switched off.
    for (const m of messages) expect(Object.keys(m.headers).sort()).toEqual(['aggregateType', 'eventType', 'id']);
  });
});
