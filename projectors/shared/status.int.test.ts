/**
 * StatusPublisher against the real Redis: counters add up across processes (a killed
 * projector's successor goes on from the published totals), concurrent publishes do
 * not count a delta twice, every instance has its own status in the index, and an
 * instance is forgotten when its status expires or an operator forgets it.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../common/src/config.ts';
import { createRedis } from '../../common/src/redis.ts';
import type { ProjectorStats } from './run-projector.ts';
import {
  deleteStatuses,
  FORGET_AFTER_MS,
  forgetInstance,
  instancesKey,
  instanceStatusKey,
  pruneInstances,
  readProjectorStatuses,
  readStatus,
  StatusPublisher,
} from './status.ts';

const config = loadConfig();
const redis = createRedis(config);
const names: string[] = [];
afterAll(async () => {
  for (const name of names) await deleteStatuses(redis, name);
  redis.disconnect();
});

const newName = () => {
  const name = `test-${randomUUID().slice(0, 8)}`;
  names.push(name);
  return name;
};

const stats = (applied: number, duplicates: number): ProjectorStats => ({
  applied,
  duplicates,
  deadLettered: 0,
  storeRetries: 0,
  gapsStopped: 0,
  consumerRestarts: 0,
  positions: new Map(),
  lastEvent: { userId: 'u', seq: applied, occurredAt: 1, appliedAt: 2 },
});

describe('StatusPublisher', () => {
  it('adds up counters across restarts and never counts a delta twice', async () => {
    const name = newName();
    const first = new StatusPublisher(redis, name, 'projector-x');
    const s = stats(10, 2);
    await first.publish(s);
    s.applied = 25;
    s.duplicates = 3;
    s.lastEvent = { userId: 'u', seq: 25, occurredAt: 1, appliedAt: 2 };
    await Promise.all([first.publish(s), first.publish(s), first.publish(s)]);
    expect(await readStatus(redis, name)).toMatchObject({ applied: 25, duplicates: 3, lastEvent: { seq: 25 } });

    // The process is killed; its successor (same instance name) starts counting from 0 again.
    const second = new StatusPublisher(redis, name, 'projector-x');
    await second.publish(stats(7, 1));
    expect(await readStatus(redis, name)).toMatchObject({ applied: 32, duplicates: 4, lastEvent: { seq: 7 } });
    const { instances } = await readProjectorStatuses(redis, name);
    expect(instances).toHaveLength(1);
    expect(instances[0]).toMatchObject({ instance: 'projector-x', applied: 32, duplicates: 4, lastEvent: { seq: 7 } });
  });

  it('keeps one status per instance, indexed, with the totals of all of them; the shell reads updatedAt as a plain field', async () => {
    const name = newName();
    const a = new StatusPublisher(redis, name, `projector-${name}-1`);
    const b = new StatusPublisher(redis, name, `projector-${name}-2`);
    await a.publish(stats(10, 1));
    const before = Date.now();
    await b.publish(stats(4, 0));
    expect((await redis.smembers(instancesKey(name))).sort()).toEqual([`projector-${name}-1`, `projector-${name}-2`]);
    const updatedAt = Number(await redis.hget(instanceStatusKey(name, `projector-${name}-2`), 'updatedAt'));
    expect(updatedAt).toBeGreaterThanOrEqual(before);
    const ttl = await redis.pttl(instanceStatusKey(name, `projector-${name}-1`));
    expect(ttl).toBeGreaterThan(FORGET_AFTER_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(FORGET_AFTER_MS);

    const read = await readProjectorStatuses(redis, name);
    expect(read.instances.map((i) => [i.instance, i.applied, i.duplicates])).toEqual([
      [`projector-${name}-1`, 10, 1],
      [`projector-${name}-2`, 4, 0],
    ]);
    expect(read.totals).toMatchObject({ applied: 14, duplicates: 1 });
  });

  it('forgets an instance whose status expired (readers skip it, the next prune removes it) or that an operator forgets; the totals keep its counts', async () => {
    const name = newName();
    const dying = new StatusPublisher(redis, name, 'projector-dying', 300);
    const live = new StatusPublisher(redis, name, 'projector-live');
    await dying.publish(stats(5, 0));
    await live.publish(stats(3, 0));
    await sleep(500);
    expect((await readProjectorStatuses(redis, name)).instances.map((i) => i.instance)).toEqual(['projector-live']);
    expect(await redis.sismember(instancesKey(name), 'projector-dying')).toBe(1);
    expect(await pruneInstances(redis, name)).toEqual(['projector-dying']);
    expect(await redis.smembers(instancesKey(name))).toEqual(['projector-live']);
    expect(await readStatus(redis, name)).toMatchObject({ applied: 8 });

    expect(await forgetInstance(redis, name, 'projector-live')).toBe(true);
    expect((await readProjectorStatuses(redis, name)).instances).toEqual([]);
    // A live instance comes back at its next publish.
    await live.publish(stats(4, 0));
    expect((await readProjectorStatuses(redis, name)).instances.map((i) => [i.instance, i.applied])).toEqual([['projector-live', 1]]);

    expect(await deleteStatuses(redis, name)).toBe(3);
    expect(await readProjectorStatuses(redis, name)).toEqual({ totals: null, instances: [] });
  });

  it('refuses an instance name that cannot end a key', () => {
    expect(() => new StatusPublisher(redis, 'x', 'instances')).toThrow(RangeError);
    expect(() => new StatusPublisher(redis, 'x', 'has space')).toThrow(RangeError);
  });
});
