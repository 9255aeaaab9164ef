/**
 * The Redis client of every Node process, for both topologies (STACK_TOPOLOGY): single, the
 * one server at config.redis host:port; cluster, the Redis Cluster found through any node of
 * config.redis.clusterNodes. The only place that constructs an ioredis client.
 *
 * What code on top of it keeps to, so that it runs unchanged on a cluster (DESIGN.md,
 * "Scaling past one machine"): no command, script, MULTI or pipeline touches keys of two
 * hash slots (a user's keys share the hash tag {userId}); no KEYS, FLUSHDB or FLUSHALL;
 * only database 0; whatever walks the keyspace walks every master (scanKeys), and deletes
 * what it found slot by slot (deleteKeys).
 */
import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis } from 'ioredis';
import type { StackConfig } from './config.ts';

/** A client of either topology: both answer the same commands (ioredis routes them on a cluster). */
export type RedisClient = Redis | Cluster;

/** What a caller may choose; the rest follows from the topology. Database 0 only: a cluster has no other. */
export interface RedisClientOptions {
  /** Commands wait while not connected (true, ioredis' default) or fail at once (false). */
  enableOfflineQueue?: boolean;
  /** How often a command is sent again after its connection dropped (single; on a cluster the node's). */
  maxRetriesPerRequest?: number | null;
  /** Commands issued in one tick share one write (per node on a cluster). */
  enableAutoPipelining?: boolean;
  /** Connect on connect() (or the first command) instead of at once. */
  lazyConnect?: boolean;
  /**
   * Put before every key of every command (ioredis keyPrefix): a test's or a benchmark's own
   * keyspace beside the real model. No braces in it (they would be the hash tag of every key).
   */
  keyPrefix?: string;
  connectTimeout?: number;
  commandTimeout?: number;
}

export function createRedis(config: Pick<StackConfig, 'topology' | 'redis'>, options: RedisClientOptions = {}): RedisClient {
  if (options.keyPrefix && /[{}]/.test(options.keyPrefix)) throw new Error(`keyPrefix "${options.keyPrefix}" holds a brace: it would be every key's hash tag`);
  const { enableOfflineQueue, enableAutoPipelining, lazyConnect, keyPrefix, ...perConnection } = options;
  if (config.topology === 'single') return new Redis({ host: config.redis.host, port: config.redis.port, ...options });
  if (config.redis.clusterNodes.length === 0) throw new Error('topology cluster without Redis cluster nodes (REDIS_CLUSTER_PORTS)');
  return new Cluster(config.redis.clusterNodes, {
    // Each node's connection; ioredis itself reconnects them and keeps their offline queue.
    redisOptions: perConnection,
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(keyPrefix === undefined ? {} : { keyPrefix }),
    // Reads go to masters only: a replica may lag, and minSeq reads must see their write.
    scaleReads: 'master',
    // CLUSTER SLOTS may wait behind a node busy with a replay's scripts; refreshed every 5 s anyway.
    slotsRefreshTimeout: 2000,
    slotsRefreshInterval: 5000,
    // A command that met a dead master ("Connection is closed") is sent again after this
    // long, to the node the refreshed slots name, up to maxRedirections times; CLUSTERDOWN
    // (a failover under way) and TRYAGAIN (a slot moving) the same.
    retryDelayOnFailover: 300,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 100,
    maxRedirections: 16,
  });
}

export const isCluster = (client: RedisClient): client is Cluster => client instanceof Cluster;

/** Waits until the client can take commands (connects a lazy one). */
export async function whenReady(client: RedisClient, timeoutMs = 10_000): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'wait') {
    await client.connect();
    if ((client.status as string) === 'ready') return;
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`Redis not ready after ${timeoutMs} ms (status ${client.status})`)), timeoutMs);
    const onReady = () => done();
    const onEnd = () => done(new Error('Redis connection ended'));
    function done(err?: Error) {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('end', onEnd);
      if (err) reject(err);
      else resolve();
    }
    client.on('ready', onReady);
    client.on('end', onEnd);
  });
}

/**
 * Every master: the one server, or each master of the cluster (the client's connection to
 * each). For keyless commands (SCAN, SCRIPT LOAD, CONFIG, INFO): a key given to one of these
 * gets the client's keyPrefix on the single server, but none on a cluster's node.
 */
export async function masters(client: RedisClient): Promise<Redis[]> {
  if (!isCluster(client)) return [client];
  await whenReady(client);
  const nodes = client.nodes('master');
  if (nodes.length === 0) throw new Error('Redis Cluster: no master known');
  return nodes;
}

/** The master that holds `key` (as the client names it): the one server, or its slot's master (keyless commands, as masters()). */
export async function masterOf(client: RedisClient, key: string): Promise<Redis> {
  if (!isCluster(client)) return client;
  await whenReady(client);
  const nodeKey = client.slots[calculateSlot((client.options.keyPrefix ?? '') + key)]?.[0];
  const node = client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === nodeKey);
  if (!node) throw new Error(`Redis Cluster: no master known for key ${key}`);
  return node;
}

/** A glob pattern that matches `text` literally (SCAN MATCH). */
export const globEscape = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');

/**
 * The keys matching `pattern` on every master, a SCAN page at a time (never KEYS). Keys and
 * pattern are as the client names them: its keyPrefix is added to the pattern and taken off
 * the keys. A key that moves to another master during the walk may be seen twice or, if it
 * was written meanwhile, not at all (as SCAN on one server).
 */
export async function* scanKeys(client: RedisClient, pattern: string, count = 1000): AsyncGenerator<string[]> {
  const prefix = client.options.keyPrefix ?? '';
  const match = globEscape(prefix) + pattern;
  for (const node of await masters(client)) {
    let cursor = '0';
    do {
      // On a node of the cluster (no prefix of its own) or on the single server: SCAN takes no key, ioredis prefixes nothing.
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', count);
      cursor = next;
      if (keys.length > 0) yield prefix ? keys.map((k) => k.slice(prefix.length)) : keys;
    } while (cursor !== '0');
  }
}

/** Keys grouped by their hash slot (of the key as the server names it: `prefix` + key). */
export function groupBySlot(keys: Iterable<string>, prefix = ''): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const key of keys) {
    const slot = calculateSlot(prefix + key);
    const group = groups.get(slot);
    if (group) group.push(key);
    else groups.set(slot, [key]);
  }
  return groups;
}

/** Keys per UNLINK, and UNLINKs in flight at once. */
const KEYS_PER_CALL = 1000;
const CALLS_IN_FLIGHT = 256;

/**
 * UNLINKs the keys (as the client names them) and answers how many existed. On a cluster one
 * UNLINK per hash slot (never a command across two slots), sent concurrently to the slots'
 * masters; on the single server a thousand keys per UNLINK.
 */
export async function deleteKeys(client: RedisClient, keys: Iterable<string>): Promise<number> {
  const groups = isCluster(client) ? [...groupBySlot(keys, client.options.keyPrefix ?? '').values()] : [[...keys]];
  const calls: string[][] = [];
  for (const group of groups) for (let i = 0; i < group.length; i += KEYS_PER_CALL) calls.push(group.slice(i, i + KEYS_PER_CALL));
  let deleted = 0;
  for (let i = 0; i < calls.length; i += CALLS_IN_FLIGHT) {
    const counts = await Promise.all(calls.slice(i, i + CALLS_IN_FLIGHT).map((c) => client.unlink(...c)));
    for (const n of counts) deleted += n;
  }
  return deleted;
}

/** Deletes every key matching `pattern` on every master (scanKeys, then deleteKeys per page); answers how many. */
export async function deleteMatching(client: RedisClient, pattern: string): Promise<number> {
  let deleted = 0;
  for await (const page of scanKeys(client, pattern)) deleted += await deleteKeys(client, page);
  return deleted;
}
