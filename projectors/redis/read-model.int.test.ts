/**
 * The reads of the query API on the real Redis, through a client like the API's
 * (auto-pipelining): the first balance read of a process may share its tick with other
 * commands (found by Schemathesis: it crashed the API once, soon after a start).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../common/src/config.ts';
import { createRedis, type RedisClient } from '../../common/src/redis.ts';
import { readBalance, readGrants } from './read-model.ts';

const cfg = loadConfig();
let redis: RedisClient | undefined;
afterEach(() => {
  redis?.disconnect();
});

describe('readBalance', () => {
  it('answers on its first call even when another command opened an auto-pipeline in the same tick', async () => {
    // A key prefix of this run (database 0 is the only one on Redis Cluster): the users read
    // here exist nowhere. Reads only: nothing is written, nothing is left to delete.
    redis = createRedis(cfg, { keyPrefix: `test-read-model-${Date.now()}-${process.pid}:`, enableAutoPipelining: true });
    const grants = readGrants(redis, 'read-model-test-a');
    const balance = readBalance(redis, 'read-model-test-b', Date.now());
    await expect(grants).resolves.toEqual([]);
    await expect(balance).resolves.toMatchObject({ userId: 'read-model-test-b', balance: 0, seq: 0 });
    // And after the first: many at once, mixed with other commands.
    const again = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? readGrants(redis!, `u${i}`) : readBalance(redis!, `u${i}`, Date.now()))));
    expect(again).toHaveLength(20);
  });
});
