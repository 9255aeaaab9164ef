/**
 * The per-key rate limit lives in Redis: API instances (here two apps on one counter
 * prefix) share each key's budget; with Redis gone the limit is skipped and commands
 * are still answered (fail open, api/src/http/rate-limit-store.ts).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/app.ts';
import { testUser } from '../../testing/users.ts';

const use = (api: TestApi, userId: string) =>
  api.app.inject({
    method: 'POST',
    url: '/v1/points/uses',
    headers: { authorization: api.auth.write, 'idempotency-key': randomUUID() },
    payload: { userId, amount: 1 },
  });

describe('rate limit in Redis', () => {
  it('two API instances share a key budget', async () => {
    const rateLimitPrefix = `ledger:ratelimit:test-shared-${randomUUID().slice(0, 8)}:`;
    const a = await startTestApi({ rateLimitPerSecond: 3, rateLimitPrefix });
    const b = await startTestApi({ rateLimitPerSecond: 3, rateLimitPrefix });
    try {
      const userId = testUser('rate-shared');
      const first = [];
      for (let i = 0; i < 3; i++) first.push(await use(a, userId));
      expect(first.map((r) => r.statusCode)).toEqual([409, 409, 409]); // INSUFFICIENT_POINTS: let through
      expect(first[2]!.headers['x-ratelimit-remaining']).toBe('0');
      // The same second, through the other instance: its own budget would let all three through.
      const second = [];
      for (let i = 0; i < 3; i++) second.push(await use(b, userId));
      const refused = second.filter((r) => r.statusCode === 429);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      for (const r of refused) {
        expect(r.json().error.code).toBe('RATE_LIMITED');
        expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('Redis not reachable: commands are answered, unlimited', async () => {
    const api = await startTestApi({ rateLimitPerSecond: 1 });
    try {
      api.redis.disconnect(); // the client no longer reconnects and fails every command at once
      const userId = testUser('rate-open');
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await use(api, userId));
      expect(answers.map((r) => r.statusCode)).toEqual([409, 409, 409, 409, 409]);
    } finally {
      await api.close();
    }
  });
});
