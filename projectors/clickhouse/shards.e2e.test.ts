/**
 * Where the real ClickHouse model keeps the rows (ADR 0012): commands through the API,
 * the stack's own pipeline and ClickHouse projector, then each server's own table read
 * directly. Every user's rows are on one server; in the cluster topology both shards
 * hold test users, and the analytics routes answer from the Distributed table
 * (expiring: an IN subquery over it).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteList } from '../../common/src/clickhouse.ts';
import { connectStackApi, testUser, type StackApi } from '../../testing/api.ts';
import { clickhouseFrom } from './analytics.ts';
import { onEveryServer } from './client.ts';
import { localEventsTable } from './schema.ts';

let api: StackApi;
beforeAll(async () => {
  api = await connectStackApi();
});
afterAll(async () => api.close());

describe('the ClickHouse model on its servers', () => {
  it("keeps each user's rows on one server (in cluster: users on every shard); analytics answer from the whole", async () => {
    const users = Array.from({ length: 24 }, () => testUser('chshard'));
    for (const [i, userId] of users.entries()) {
      const r = await api.app.inject({
        method: 'POST',
        url: '/v1/points/grants',
        headers: { authorization: api.auth.write, 'idempotency-key': `${userId}-g` },
        payload: { userId, amount: 10 + i, validDays: 5, reason: 'shards' },
      });
      expect(r.statusCode).toBe(201);
    }
    // The stack's projector writes them through `events`.
    const ch = clickhouseFrom(api.config, 'writer');
    let seen = 0;
    for (let i = 0; i < 240 && seen < users.length; i++) {
      const [row] = await ch.query<{ n: string }>(`SELECT uniqExact(userId) AS n FROM events FINAL WHERE userId IN ${quoteList(users)}`);
      seen = Number(row?.n ?? 0);
      if (seen < users.length) await sleep(500);
    }
    await ch.close();
    expect(seen).toBe(users.length);

    const perServer: Map<string, number>[] = [];
    await onEveryServer(api.config, api.config.clickhouse.database, async (server) => {
      const rows = await server.query<{ userId: string; n: string }>(
        `SELECT userId, count() AS n FROM ${localEventsTable(api.config)} WHERE userId IN ${quoteList(users)} GROUP BY userId`,
      );
      perServer.push(new Map(rows.map((r) => [r.userId, Number(r.n)])));
    });
    console.log(`[shards] ${users.length} users per server: ${perServer.map((m) => m.size).join(' / ')}`);
    expect(perServer).toHaveLength(api.config.clickhouse.nodes.length);
    for (const u of users) expect(perServer.filter((m) => m.has(u))).toHaveLength(1);
    for (const m of perServer) expect(m.size).toBeGreaterThan(0);

    // The analytics routes, over every shard: today's grants and the lots expiring within 6 days.
    const day = new Date().toISOString().slice(0, 10);
    const daily = await api.app.inject({ method: 'GET', url: `/v1/analytics/daily?from=${day}&to=${day}`, headers: { authorization: api.auth.admin } });
    expect(daily.statusCode).toBe(200);
    const expiring = await api.app.inject({ method: 'GET', url: '/v1/analytics/expiring?days=6', headers: { authorization: api.auth.admin } });
    expect(expiring.statusCode).toBe(200);
    const points = (expiring.json() as { points: number }[]).reduce((t, r) => t + r.points, 0);
    expect(points).toBeGreaterThanOrEqual(users.reduce((t, _, i) => t + 10 + i, 0));
  });
});
