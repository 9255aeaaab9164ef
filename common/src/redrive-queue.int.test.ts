/**
 * The redrive protocol on the real Redis of the configured topology (one server, or a
 * Redis Cluster: every key of a projector in one slot, so the scripts run there too). A
 * projector name of this run's own, so the running projectors never see these requests;
 * its keys are deleted after.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { createRedis } from './redis.ts';
import { LOCK_TTL_MS, letterField, redriveClient, redriveKeys, redriveWorkerSide as side, WORKER_ALIVE_MS } from './redrive-queue.ts';

const config = loadConfig();
const redis = createRedis(config);
const projector = `test-${randomUUID().slice(0, 8)}`;
const k = redriveKeys(projector);
const request = (requestId: string) => ({ requestId, projector, includeRedriven: false, requestedAt: new Date().toISOString() });

afterAll(async () => {
  for (const key of [k.requests, k.lock, k.taken, k.workers, k.letters, k.result('r1'), k.result('r2')]) await redis.del(key);
  redis.disconnect();
});

describe('redrive queue', () => {
  it('one request at a time: a take sets the lock, nobody takes while it is held, the holder alone refreshes and releases it', async () => {
    const now = Date.now();
    await redriveClient.enqueue(redis, request('r1'));
    await redriveClient.enqueue(redis, request('r2'));
    // Two instances at once: one gets the oldest request, the other nothing.
    const [a, b] = await Promise.all([side.take(redis, projector, 'tok-a', 'inst-a', now), side.take(redis, projector, 'tok-b', 'inst-b', now)]);
    const got = [a, b].filter((x) => x !== null);
    expect(got).toHaveLength(1);
    expect(JSON.parse(got[0]!).requestId).toBe('r1');
    const token = a !== null ? 'tok-a' : 'tok-b';
    const other = a !== null ? 'tok-b' : 'tok-a';
    expect(await redriveClient.takenBy(redis, projector, 'r1')).toMatch(/^inst-[ab] \d{4}-/);
    const ttl = await redis.pttl(k.lock);
    expect(ttl).toBeGreaterThan(LOCK_TTL_MS - 5000);
    expect(ttl).toBeLessThanOrEqual(LOCK_TTL_MS);

    expect(await side.take(redis, projector, other, 'inst-x', now)).toBeNull();
    expect(await side.refresh(redis, projector, other)).toBe(false);
    expect(await side.refresh(redis, projector, token)).toBe(true);
    await side.release(redis, projector, other);
    expect(await redis.get(k.lock)).toBe(token);

    await side.publish(redis, projector, { requestId: 'r1', ok: true, answer: { applied: 1 } });
    expect(await redriveClient.result(redis, projector, 'r1')).toEqual({ requestId: 'r1', ok: true, answer: { applied: 1 } });
    expect(await redriveClient.takenBy(redis, projector, 'r1')).toBeNull();
    expect(await redis.ttl(k.result('r1'))).toBeGreaterThan(3500);
    await side.release(redis, projector, token);
    expect(await redis.exists(k.lock)).toBe(0);

    // The second request is next.
    expect(JSON.parse((await side.take(redis, projector, 'tok-c', 'inst-c', now))!).requestId).toBe('r2');
    await side.release(redis, projector, 'tok-c');
    expect(await side.take(redis, projector, 'tok-d', 'inst-d', now)).toBeNull();
    expect(await redis.exists(k.lock)).toBe(0);
  });

  it('a request not taken can be withdrawn once; the workers that polled lately are known', async () => {
    const text = await redriveClient.enqueue(redis, request('w1'));
    expect(await redriveClient.withdraw(redis, projector, text)).toBe(true);
    expect(await redriveClient.withdraw(redis, projector, text)).toBe(false);
    expect(await redis.llen(k.requests)).toBe(0);

    const now = Date.now();
    await side.heartbeat(redis, projector, 'fresh', now);
    await side.heartbeat(redis, projector, 'old', now - WORKER_ALIVE_MS - 1000);
    await side.heartbeat(redis, projector, 'gone', now - 4_000_000);
    expect(await redriveClient.liveWorkers(redis, projector, now)).toEqual(['fresh']);
    // The next heartbeat forgets instances silent for an hour.
    await side.heartbeat(redis, projector, 'fresh', now);
    expect((await redis.zrange(k.workers, 0, -1)).sort()).toEqual(['fresh', 'old']);
  });

  it("keeps each letter's last outcome and reads them back, one field per letter", async () => {
    const at = new Date().toISOString();
    await side.writeLetterStates(
      redis,
      projector,
      new Map([
        [letterField(0, 1), { at, outcome: 'applied', requestId: 'r1' }],
        [letterField(0, 2), { at, outcome: 'stillFailing', reason: 'gap', requestId: 'r1' }],
      ]),
    );
    await side.writeLetterStates(redis, projector, new Map([[letterField(0, 2), { at, outcome: 'alreadyApplied', requestId: 'r2' }]]));
    const all = await side.allLetterStates(redis, projector);
    expect(Object.fromEntries(all)).toEqual({ '0:1': { at, outcome: 'applied', requestId: 'r1' }, '0:2': { at, outcome: 'alreadyApplied', requestId: 'r2' } });
    const some = await redriveClient.letterStates(redis, projector, ['0:2', '0:3']);
    expect([...some.keys()]).toEqual(['0:2']);
  });
});
