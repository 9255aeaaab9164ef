/**
 * A read model's store down: its projector retries with backoff and commits no offset
 * past an event it has not applied; once the store is back, everything is applied,
 * once. And queries never need MySQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { connectStackApi, testUser, type StackApi } from '../../testing/api.ts';
import { stack } from '../../testing/stack-control.ts';
import { quote } from '../../common/src/clickhouse.ts';
import { clickhouseFrom } from '../clickhouse/analytics.ts';
import { setTimeout as sleep } from 'node:timers/promises';

let api: StackApi;
beforeAll(async () => {
  api = await connectStackApi();
});
afterAll(async () => {
  for (const s of ['redis', 'clickhouse', 'mariadb']) await stack('start', s);
  await api.close();
});

async function committed(groupId: string): Promise<number> {
  const admin = new Kafka({ clientId: 'tests', brokers: api.config.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const parts = (await admin.fetchOffsets({ groupId, topics: [api.config.kafka.pointsTopic] }))[0]?.partitions ?? [];
    return parts.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

let keys = 0;
async function grants(userId: string, n: number): Promise<number> {
  let seq = 0;
  for (let i = 0; i < n; i++) {
    const r = await api.app.inject({
      method: 'POST',
      url: '/v1/points/grants',
      headers: { authorization: api.auth.write, 'idempotency-key': `${userId}-${++keys}` },
      payload: { userId, amount: 10, validDays: 30, reason: 'store down' },
    });
    expect(r.statusCode).toBe(201);
    seq = r.json().seq;
  }
  return seq;
}

describe('a read model store down', () => {
  it('Redis: nothing committed past the outage, everything applied once Redis is back', async () => {
    const userId = testUser('redis-down');
    await grants(userId, 1);
    const first = await api.app.inject({ method: 'GET', url: `/v1/users/${userId}/balance?minSeq=1&waitMs=10000`, headers: { authorization: api.auth.read } });
    expect(first.json().balance).toBe(10);
    await sleep(1500);
    const before = await committed('projector-redis');

    await stack('stop', 'redis');
    const seq = await grants(userId, 5); // commands do not need Redis
    await sleep(4000); // the projector has the events and keeps failing to apply them
    expect(await committed('projector-redis')).toBe(before);
    const down = await api.app.inject({ method: 'GET', url: `/v1/users/${userId}/balance`, headers: { authorization: api.auth.read } });
    expect(down.statusCode).toBe(503);
    expect(down.json().error.code).toBe('UNAVAILABLE');

    await stack('start', 'redis');
    // The running API's Redis client reconnects by itself: its answers turn 200 again.
    let b = { seq: 0, balance: 0 };
    for (let i = 0; i < 60 && b.seq < seq; i++) {
      await sleep(500);
      const r = await api.app.inject({ method: 'GET', url: `/v1/users/${userId}/balance`, headers: { authorization: api.auth.read } });
      if (r.statusCode === 200) b = r.json();
    }
    expect(b).toMatchObject({ seq: 6, balance: 60 });
    expect(await committed('projector-redis')).toBeGreaterThan(before);
  });

  it('ClickHouse: nothing committed past the outage, every event inserted once when it is back', async () => {
    const userId = testUser('ch-down');
    await grants(userId, 1);
    await sleep(2500);
    const before = await committed('projector-clickhouse');
    await stack('stop', 'clickhouse');
    await grants(userId, 4);
    await sleep(4000);
    expect(await committed('projector-clickhouse')).toBe(before);
    await stack('start', 'clickhouse');
    const ch = clickhouseFrom(api.config, 'writer');
    let rows: { n: string; s: string }[] = [];
    for (let i = 0; i < 60; i++) {
      await sleep(500);
      rows = await ch.query<{ n: string; s: string }>(`SELECT count() AS n, sum(amount) AS s FROM events WHERE userId = ${quote(userId)}`).catch(() => []);
      if (Number(rows[0]?.n) >= 5) break;
    }
    expect(rows[0]).toEqual({ n: '5', s: '50' });
  });

  it('queries answer from Redis while MySQL is down', async () => {
    const userId = testUser('no-mysql');
    const seq = await grants(userId, 2);
    await api.app.inject({ method: 'GET', url: `/v1/users/${userId}/balance?minSeq=${seq}&waitMs=10000`, headers: { authorization: api.auth.read } });
    await stack('stop', 'mariadb');
    try {
      const get = (url: string) => api.app.inject({ method: 'GET', url, headers: { authorization: api.auth.read } });
      expect((await get(`/v1/users/${userId}/balance`)).json()).toMatchObject({ balance: 20, seq: 2 });
      expect((await get(`/v1/users/${userId}/history`)).json().items).toHaveLength(2);
      expect((await get(`/v1/users/${userId}/grants`)).json()).toHaveLength(2);
    } finally {
      await stack('start', 'mariadb');
    }
  });
});
