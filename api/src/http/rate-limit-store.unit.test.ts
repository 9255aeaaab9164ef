/** The rate limit's Redis store on a fake client: counts, loads its script, fails open (and says so, rarely). */
import { describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import type { RedisClient } from '../../../common/src/redis.ts';
import { RATE_LIMIT_SCRIPT, redisRateLimitStore } from './rate-limit-store.ts';

type Answer = { current: number; ttl: number };

function fakeRedis(behaviour: { fail?: Error; hang?: boolean; noScript?: boolean }) {
  const calls: string[] = [];
  const counts = new Map<string, number>();
  const count = (key: string, window: number): [number, number] => {
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    return [n, window];
  };
  let loaded = !behaviour.noScript;
  const redis = {
    evalsha: async (_sha: string, _n: number, key: string, window: number) => {
      calls.push(`evalsha ${key}`);
      if (behaviour.hang) return new Promise(() => undefined);
      if (behaviour.fail) throw behaviour.fail;
      if (!loaded) throw new Error('NOSCRIPT No matching script. Please use EVAL.');
      return count(key, window);
    },
    eval: async (lua: string, _n: number, key: string, window: number) => {
      calls.push(`eval ${key}`);
      expect(lua).toBe(RATE_LIMIT_SCRIPT);
      loaded = true;
      return count(key, window);
    },
  };
  return { redis: redis as unknown as RedisClient, calls };
}

function fakeLog() {
  const warnings: unknown[] = [];
  return { log: { warn: (...args: unknown[]) => warnings.push(args) } as unknown as FastifyBaseLogger, warnings };
}

const incr = (store: { incr: (key: string, cb: (err: Error | null, r?: Answer) => void, window?: number) => void }, key: string) =>
  new Promise<Answer>((resolve, reject) => store.incr(key, (err, r) => (err ? reject(err) : resolve(r!)), 1000));

describe('redisRateLimitStore', () => {
  it('counts per key under its prefix, loading the script where the server lacks it (EVAL once, then EVALSHA)', async () => {
    const { redis, calls } = fakeRedis({ noScript: true });
    const Store = redisRateLimitStore({ redis, prefix: 'rl:', log: fakeLog().log });
    const store = new Store();
    expect(await incr(store, 'writer')).toEqual({ current: 1, ttl: 1000 });
    expect(await incr(store, 'writer')).toEqual({ current: 2, ttl: 1000 });
    expect(await incr(store, 'reader')).toEqual({ current: 1, ttl: 1000 });
    expect(calls).toEqual(['evalsha rl:writer', 'eval rl:writer', 'evalsha rl:writer', 'evalsha rl:reader']);
  });

  it('fails open when Redis fails: the request is not limited, one warning, and Redis is left alone for a second', async () => {
    let now = 1_000_000;
    const { redis, calls } = fakeRedis({ fail: new Error("Stream isn't writeable and enableOfflineQueue options is false") });
    const { log, warnings } = fakeLog();
    const store = new (redisRateLimitStore({ redis, prefix: 'rl:', log, now: () => now }))();
    expect(await incr(store, 'writer')).toEqual({ current: 0, ttl: 1000 });
    for (let i = 0; i < 5; i++) expect(await incr(store, 'writer')).toEqual({ current: 0, ttl: 1000 });
    expect(calls).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    now += 1000; // asked again after a second; warned again after ten
    await incr(store, 'writer');
    expect(calls).toHaveLength(2);
    expect(warnings).toHaveLength(1);
    now += 10_000;
    await incr(store, 'writer');
    expect(warnings).toHaveLength(2);
    expect(JSON.stringify(warnings[1])).toContain('"requestsNotLimited":');
  });

  it('fails open when Redis does not answer in time', async () => {
    const { redis } = fakeRedis({ hang: true });
    const store = new (redisRateLimitStore({ redis, prefix: 'rl:', log: fakeLog().log, timeoutMs: 20 }))();
    const t0 = Date.now();
    expect(await incr(store, 'writer')).toEqual({ current: 0, ttl: 1000 });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it("a child store (a route's own limit) counts apart", async () => {
    const { redis, calls } = fakeRedis({});
    const store = new (redisRateLimitStore({ redis, prefix: 'rl:', log: fakeLog().log }))();
    await incr(store.child({ routeInfo: { method: 'POST', url: '/v1/points/uses' } }), 'writer');
    expect(calls).toEqual(['evalsha rl:POST/v1/points/uses-writer']);
  });
});
