/**
 * History pages cross from Redis (the latest REDIS_HISTORY_LIMIT events) to
 * ClickHouse (older ones) without a seam: newest first, no gap, no repeat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStackApi, testUser, type StackApi } from '../../testing/api.ts';
import { clickhouseFrom } from '../clickhouse/analytics.ts';
import { quote } from '../../common/src/clickhouse.ts';
import { setTimeout as sleep } from 'node:timers/promises';

let api: StackApi;
beforeAll(async () => {
  api = await connectStackApi();
});
afterAll(async () => api.close());

describe('history across the Redis/ClickHouse boundary', () => {
  it('pages through every event, newest first, seamlessly', async () => {
    const limit = api.config.projectors.historyLimit;
    const total = limit + 60;
    const userId = testUser('hist');
    for (let i = 0; i < total; i++) {
      const r = await api.app.inject({
        method: 'POST',
        url: '/v1/points/grants',
        headers: { authorization: api.auth.write, 'idempotency-key': `${userId}-${i}` },
        payload: { userId, amount: 1 + i, validDays: 30, reason: `grant ${i}` },
      });
      expect(r.statusCode).toBe(201);
    }
    // Both models have every event.
    const ch = clickhouseFrom(api.config, 'writer');
    for (let i = 0; i < 120; i++) {
      const [row] = await ch.query<{ n: string }>(`SELECT count() AS n FROM events FINAL WHERE userId = ${quote(userId)}`);
      if (Number(row!.n) === total) break;
      await sleep(500);
    }
    const b = await api.app.inject({
      method: 'GET',
      url: `/v1/users/${userId}/balance?minSeq=${total}&waitMs=10000`,
      headers: { authorization: api.auth.read },
    });
    expect(b.json().seq).toBe(total);

    // The API as served: Redis first, ClickHouse behind it.
    const app = api.app;
    const seqs: number[] = [];
    const eventIds: string[] = [];
    let beforeSeq: number | null | undefined;
    for (let page = 0; page < 20; page++) {
      const q = beforeSeq ? `&beforeSeq=${beforeSeq}` : '';
      const r = await app.inject({ method: 'GET', url: `/v1/users/${userId}/history?limit=200${q}`, headers: { authorization: api.auth.read } });
      expect(r.statusCode).toBe(200);
      const body = r.json() as { items: { seq: number; eventId: string; type: string; amount: number }[]; nextBeforeSeq: number | null };
      seqs.push(...body.items.map((i) => i.seq));
      eventIds.push(...body.items.map((i) => i.eventId));
      for (const i of body.items) expect(i).toMatchObject({ type: 'POINTS_GRANTED', amount: i.seq });
      beforeSeq = body.nextBeforeSeq;
      if (beforeSeq === null) break;
    }
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => total - i));
    const rows = await api.dbOf(userId)('point_events').select('event_id').where({ user_id: userId }).orderBy('seq', 'desc');
    expect(eventIds).toEqual(rows.map((r) => r.event_id));
  });
});
