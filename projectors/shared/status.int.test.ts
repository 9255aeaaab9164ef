/**
 * StatusPublisher against the real Redis: counters add up across processes (a killed
 * projector's successor goes on from the published totals), and concurrent publishes
 * do not count a delta twice.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../common/src/config.ts';
import type { ProjectorStats } from './run-projector.ts';
import { readStatus, statusKey, StatusPublisher } from './status.ts';

const config = loadConfig();
const redis = new Redis({ host: config.redis.host, port: config.redis.port });
const names: string[] = [];
afterAll(async () => {
  if (names.length) await redis.del(...names.map(statusKey));
  redis.disconnect();
});

const stats = (applied: number, duplicates: number): ProjectorStats => ({
  applied, duplicates, deadLettered: 0, storeRetries: 0, gapsStopped: 0, consumerRestarts: 0, positions: new Map(),
  lastEvent: { userId: 'u', seq: applied, occurredAt: 1, appliedAt: 2 },
});

describe('StatusPublisher', () => {
  it('adds up counters across restarts and never counts a delta twice', async () => {
    const name = `test-${randomUUID().slice(0, 8)}`;
    names.push(name);
    const first = new StatusPublisher(redis, name);
    const s = stats(10, 2);
    await first.publish(s);
    s.applied = 25;
    s.duplicates = 3;
    s.lastEvent = { userId: 'u', seq: 25, occurredAt: 1, appliedAt: 2 };
    await Promise.all([first.publish(s), first.publish(s), first.publish(s)]);
    expect(await readStatus(redis, name)).toMatchObject({ applied: 25, duplicates: 3, lastEvent: { seq: 25 } });

    // The process is killed; its successor starts counting from 0 again.
    const second = new StatusPublisher(redis, name);
    await second.publish(stats(7, 1));
    expect(await readStatus(redis, name)).toMatchObject({ applied: 32, duplicates: 4, lastEvent: { seq: 7 } });
  });
});
