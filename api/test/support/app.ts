/**
 * Test support of the API's own tests: the real API application (buildApp) in-process,
 * against the stack's MariaDB, Redis, ClickHouse and schema registry, to be driven with
 * app.inject(). Keys are the configured ones; a clock and rate limits of the test's own
 * may be given. Tests outside api/ drive the running API over HTTP instead
 * (testing/api.ts): nothing outside api/ imports api/ (ADR 0009).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Knex } from 'knex';
import { authHeaders, loadConfig, type StackConfig } from '../../../common/src/config.ts';
import { createRedis, type RedisClient } from '../../../common/src/redis.ts';
import { createShards, type Shards } from '../../../common/src/mysql.ts';
import { clickhouseFrom, historyBefore } from '../../../projectors/clickhouse/analytics.ts';
import { buildApp } from '../../src/app.ts';
import { registerPointEventSchema } from '../../src/ledger/event-codec.ts';
import { registerExpiryNoticeSchema } from '../../../schemas/expiry-notice.ts';

export interface TestApi {
  app: FastifyInstance;
  /** The write model's shards (one in single). */
  shards: Shards;
  /**
   * The pool of the shard that holds a user's rows, or an id's (grant, use, event,
   * cancellation ids carry their shard): t.dbOf(userId)('point_wallets')…
   */
  dbOf: (userIdOrId: string) => Knex;
  /** The rows `query` finds on every shard, one list. */
  onEveryShard: <T>(query: (db: Knex) => Promise<T[]>) => Promise<T[]>;
  config: StackConfig;
  schemaId: number;
  /** The id of ExpiryNotice under the notices topic's subject. */
  noticeSchemaId: number;
  redis: RedisClient;
  /** Authorization headers of a key with these scopes. */
  auth: { admin: string; write: string; read: string };
  close: () => Promise<void>;
}

export async function startTestApi(
  opts: {
    clock?: () => number;
    rateLimitPerSecond?: number;
    keys?: StackConfig['api']['keys'];
    /** The rate limit's counters in Redis; default: a prefix of this app's own. Two apps with one prefix share the budget, as API instances do. */
    rateLimitPrefix?: string;
    /** Run the grant batch worker in this app (buildApp's runGrantBatches): the batches' own tests. */
    runGrantBatches?: boolean;
  } = {},
): Promise<TestApi> {
  const base = loadConfig();
  const config: StackConfig = {
    ...base,
    api: { ...base.api, rateLimitPerSecond: opts.rateLimitPerSecond ?? base.api.rateLimitPerSecond, keys: opts.keys ?? base.api.keys },
  };
  const shards = createShards(config, 30);
  const schemaId = await registerPointEventSchema(config.registry.url);
  const noticeSchemaId = await registerExpiryNoticeSchema(config.registry.url, `${config.kafka.noticesTopic}-value`);
  const redis = createRedis(config, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    enableAutoPipelining: true,
  });
  redis.on('error', () => undefined);
  await redis.connect();
  const analytics = clickhouseFrom(config, 'analyst');
  const app = await buildApp({
    config,
    shards,
    schemaId,
    noticeSchemaId,
    runGrantBatches: opts.runGrantBatches === true,
    redis,
    // Counters of its own: a test's limits are not spent by the stack's API or other tests.
    rateLimitPrefix: opts.rateLimitPrefix ?? `ledger:ratelimit:test-${randomUUID().slice(0, 8)}:`,
    clock: opts.clock,
    logger: false,
    analytics,
    olderHistory: (userId, beforeSeq, limit) => historyBefore(analytics, userId, beforeSeq, limit),
  });
  await app.ready();
  return {
    app,
    shards,
    dbOf: (key) => shards.dbOfUserOrId(key),
    onEveryShard: async (query) => (await Promise.all(shards.dbs.map(query))).flat(),
    config,
    schemaId,
    noticeSchemaId,
    redis,
    auth: authHeaders(config.api.keys),
    close: async () => {
      await app.close();
      await shards.destroy();
      redis.disconnect();
      await analytics.close();
    },
  };
}
