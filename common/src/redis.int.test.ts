/**
 * The Redis helpers on the real Redis of the configured topology (the one server, or every
 * master of a Redis Cluster): a SCAN that sees every master, deletes that never send a
 * command across two slots, the master of a key. Every key carries a prefix of this run
 * (the model's readers, verify and the rebuild see only u:{...}), and all are deleted.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { createRedis, deleteKeys, deleteMatching, isCluster, masterOf, masters, scanKeys } from './redis.ts';

const config = loadConfig();
const prefix = `test-redis-${randomUUID().slice(0, 8)}:`;
const redis = createRedis(config, { keyPrefix: prefix });
const plain = createRedis(config);
afterAll(async () => {
  await deleteMatching(redis, '*');
  redis.disconnect();
  plain.disconnect();
});

/** 200 users' four keys each, under the run's prefix (as the client names them: without it). */
async function seed(tag: string): Promise<string[]> {
  const keys = Array.from({ length: 200 }, (_, i) => ['w', 'lr', 'le', 'h'].map((k) => `u:{${tag}-${i}}:${k}`)).flat();
  await Promise.all(keys.map((k) => redis.set(k, '1')));
  return keys;
}

async function all(pattern: string, client = redis): Promise<string[]> {
  const out: string[] = [];
  for await (const page of scanKeys(client, pattern, 100)) out.push(...page);
  return out.sort();
}

describe('Redis helpers', () => {
  it('masters: the one server, or every master of the cluster', async () => {
    const nodes = await masters(redis);
    if (isCluster(redis)) {
      expect(nodes.length).toBeGreaterThan(1);
      const roles = await Promise.all(nodes.map(async (n) => ((await n.call('ROLE')) as [string])[0]));
      expect(roles.every((r) => r === 'master')).toBe(true);
    } else {
      expect(nodes).toEqual([redis]);
    }
  });

  it('scanKeys finds every key of a pattern on every master, named as the client names them', async () => {
    const keys = await seed('scan');
    expect(await all('u:{scan-*}:*')).toEqual([...keys].sort());
    // The same keys seen by a client without the prefix carry it.
    expect(await all(`${prefix}u:{scan-*}:w`, plain)).toEqual(
      keys
        .filter((k) => k.endsWith(':w'))
        .map((k) => prefix + k)
        .sort(),
    );
    if (isCluster(redis)) {
      // 200 users spread over every master, and each master answers for its own.
      for (const node of await masters(redis)) {
        const [, found] = await node.scan('0', 'MATCH', `${prefix}u:{scan-*}:*`, 'COUNT', 10_000);
        expect(found.length).toBeGreaterThan(0);
      }
    }
  });

  it('deleteKeys deletes keys of many slots without a cross-slot command, and counts what existed', async () => {
    const keys = await seed('del');
    if (isCluster(redis)) {
      // What it must avoid: one UNLINK over two users' keys.
      await expect(redis.unlink(keys[0]!, keys[4]!)).rejects.toThrow(/CROSSSLOT/);
    }
    expect(await deleteKeys(redis, [...keys, 'u:{del-none}:w'])).toBe(keys.length);
    expect(await all('u:{del-*}:*')).toEqual([]);
    expect(await deleteKeys(redis, [])).toBe(0);
  });

  it('deleteMatching deletes exactly what matches, on every master', async () => {
    const keep = await seed('keep');
    const drop = await seed('drop');
    expect(await deleteMatching(redis, 'u:{drop-*}:*')).toBe(drop.length);
    expect(await all('u:{drop-*}:*')).toEqual([]);
    expect(await all('u:{keep-*}:*')).toEqual([...keep].sort());
  });

  it('masterOf: the server that holds a key', async () => {
    const key = 'u:{master-of}:w';
    await redis.set(key, 'here');
    // Through the client without a prefix: a cluster node's own connection has none either.
    const node = await masterOf(plain, prefix + key);
    expect(await node.get(prefix + key)).toBe('here');
    if (isCluster(redis)) {
      // The prefixed client finds the same master: the prefix is part of the key's slot.
      const address = (n: { options: { host?: string; port?: number } }) => `${n.options.host}:${n.options.port}`;
      expect(address(await masterOf(redis, key))).toBe(address(node));
      const others = (await masters(plain)).filter((n) => n !== node);
      expect(others.length).toBeGreaterThan(0);
      for (const other of others) await expect(other.get(prefix + key)).rejects.toThrow(/MOVED/);
    }
  });
});
