/** The Redis client factory's choices per topology and the pure helpers (no server: lazy clients never connect). */
import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedis, globEscape, groupBySlot, isCluster } from './redis.ts';

const single = { topology: 'single' as const, redis: { host: '127.0.0.1', port: 16379, clusterNodes: [] } };
const cluster = {
  topology: 'cluster' as const,
  redis: {
    host: '127.0.0.1',
    port: 16379,
    clusterNodes: [16381, 16382, 16383].map((port) => ({ host: '127.0.0.1', port })),
  },
};

describe('createRedis', () => {
  it('single: one server at host:port with the options asked for', () => {
    const c = createRedis(single, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true, keyPrefix: 'p:' });
    try {
      expect(c).toBeInstanceOf(Redis);
      expect(isCluster(c)).toBe(false);
      expect(c.options).toMatchObject({ host: '127.0.0.1', port: 16379, db: 0, enableOfflineQueue: false, maxRetriesPerRequest: 1, keyPrefix: 'p:' });
    } finally {
      c.disconnect();
    }
  });

  it('cluster: a Cluster over the configured nodes; queue, pipelining, laziness and prefix for the cluster, retries per node', () => {
    const c = createRedis(cluster, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true, keyPrefix: 'p:' });
    try {
      expect(c).toBeInstanceOf(Cluster);
      expect(isCluster(c)).toBe(true);
      const o = (c as Cluster).options;
      expect(o).toMatchObject({
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        lazyConnect: true,
        keyPrefix: 'p:',
        scaleReads: 'master',
        slotsRefreshTimeout: 2000,
        retryDelayOnFailover: 300,
        retryDelayOnClusterDown: 300,
      });
      expect(o.redisOptions).toEqual({ maxRetriesPerRequest: 1 });
      // ioredis' defaults stand where the caller says nothing.
      expect((createRedis(cluster, { lazyConnect: true }) as Cluster).options.enableOfflineQueue).toBe(true);
    } finally {
      c.disconnect();
    }
  });

  it('refuses a cluster without nodes and a prefix with a brace (it would be every key hash tag)', () => {
    expect(() => createRedis({ ...cluster, redis: { ...cluster.redis, clusterNodes: [] } })).toThrow(/REDIS_CLUSTER_PORTS/);
    expect(() => createRedis(single, { keyPrefix: 'run-{1}:' })).toThrow(/brace/);
  });
});

describe('groupBySlot', () => {
  it("puts a user's keys together (hash tag) and every key with the slot Redis gives it", () => {
    const keys = ['u:{alice}:w', 'u:{alice}:lr', 'u:{bob}:w', 'u:{alice}:h', 'plain', 'u:{bob}:le'];
    const groups = groupBySlot(keys);
    expect([...groups.values()].map((g) => g.sort())).toContainEqual(['u:{alice}:h', 'u:{alice}:lr', 'u:{alice}:w']);
    expect([...groups.values()].map((g) => g.sort())).toContainEqual(['u:{bob}:le', 'u:{bob}:w']);
    expect(groups.get(calculateSlot('plain'))).toEqual(['plain']);
    expect([...groups.values()].flat().sort()).toEqual([...keys].sort());
    // Known slots (CLUSTER KEYSLOT): the tag's slot; "{}" is not a tag.
    expect(calculateSlot('u:{alice}:w')).toBe(calculateSlot('alice'));
    expect(calculateSlot('foo')).toBe(12182);
    expect(calculateSlot('{}foo')).not.toBe(calculateSlot('foo'));
  });

  it('groups by the slot of prefix + key, answering the keys without the prefix', () => {
    const groups = groupBySlot(['a', 'b', 'c'], 'p{x}:');
    expect([...groups.entries()]).toEqual([[calculateSlot('x'), ['a', 'b', 'c']]]);
  });
});

describe('globEscape', () => {
  it('matches a prefix literally in SCAN MATCH', () => {
    expect(globEscape('run-1:')).toBe('run-1:');
    expect(globEscape('a*b?c[d]e\\f')).toBe('a\\*b\\?c\\[d\\]e\\\\f');
  });
});
