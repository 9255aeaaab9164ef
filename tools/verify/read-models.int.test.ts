/**
 * Verify's Redis check on the real Redis of the configured topology (one server, or every
 * master of a Redis Cluster): wallets read one key per command, and the walk over every
 * master that finds wallets of users MySQL does not know. Its wallets live under a key
 * prefix of this run (the model's readers, the rebuild and `make verify` itself see only
 * u:{...}), deleted after.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../common/src/config.ts';
import { createRedis, deleteMatching, isCluster, masters } from '../../common/src/redis.ts';
import { userKeys } from '../../projectors/redis/keys.ts';
import { compareWallets, redisOnlyUsers } from './read-models.ts';

const config = loadConfig();
const redis = createRedis(config, { keyPrefix: `test-verify-${randomUUID().slice(0, 8)}:` });
afterAll(async () => {
  await deleteMatching(redis, '*');
  redis.disconnect();
});

const users = Array.from({ length: 300 }, (_, i) => `verify-${i}`);
const wallets = users.map((u, i) => ({ user_id: u, balance: i * 10, seq: i + 1 }));

describe("verify's Redis check", () => {
  it('compares balance and seq of every wallet, and finds every Redis wallet MySQL does not know on every master', async () => {
    await Promise.all(wallets.map((w) => redis.hset(userKeys(w.user_id).wallet, { balance: String(w.balance), seq: String(w.seq) })));
    expect(await compareWallets(redis, wallets)).toEqual([]);

    // Two users wrong, one missing in Redis.
    await redis.hset(userKeys('verify-7').wallet, 'balance', '1');
    await redis.hset(userKeys('verify-250').wallet, 'seq', '1');
    const withMissing = [...wallets, { user_id: 'verify-missing', balance: 5, seq: 1 }];
    expect(await compareWallets(redis, withMissing)).toEqual([
      { userId: 'verify-7', check: 'Redis balance = MySQL balance', expected: 70, actual: 1 },
      { userId: 'verify-250', check: 'Redis seq = MySQL seq', expected: 251, actual: 1 },
      { userId: 'verify-missing', check: 'Redis balance = MySQL balance', expected: 5, actual: 0 },
      { userId: 'verify-missing', check: 'Redis seq = MySQL seq', expected: 1, actual: 0 },
    ]);

    // Only wallets (:w) count; MySQL knows all but the last ten users.
    await redis.rpush(userKeys('verify-0').history, 'x');
    const known = new Set(users.slice(0, 290));
    const found = await redisOnlyUsers(redis, known);
    expect(found.wallets).toBe(300);
    expect(found.users.sort()).toEqual(users.slice(290).sort());
    expect(found.masters).toBe((await masters(redis)).length);
    if (isCluster(redis)) expect(found.masters).toBeGreaterThan(1);
  });
});
