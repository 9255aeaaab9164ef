/**
 * Test support: the real API application (buildApp) against the stack's MariaDB and
 * schema registry, to be driven with app.inject(). Keys are the configured ones.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Knex } from 'knex';
import { Redis } from 'ioredis';
import { loadConfig, type StackConfig } from '../common/src/config.ts';
import { buildApp } from '../api/src/app.ts';
import { createDb } from '../common/src/mysql.ts';
import { registerPointEventSchema } from '../schemas/event-codec.ts';
import { clickhouseFrom, historyBefore } from '../projectors/clickhouse/analytics.ts';

export interface TestApi {
  app: FastifyInstance;
  db: Knex;
  config: StackConfig;
  schemaId: number;
  redis: Redis;
  /** Authorization headers of a key with these scopes. */
  auth: { admin: string; write: string; read: string };
  close: () => Promise<void>;
}

export async function startTestApi(
  opts: { clock?: () => number; rateLimitPerSecond?: number; keys?: StackConfig['api']['keys'] } = {},
): Promise<TestApi> {
  const base = loadConfig();
  const config: StackConfig = {
    ...base,
    api: { ...base.api, rateLimitPerSecond: opts.rateLimitPerSecond ?? base.api.rateLimitPerSecond, keys: opts.keys ?? base.api.keys },
  };
  const db = createDb(config, 30);
  const schemaId = await registerPointEventSchema(config.registry.url);
  const redis = new Redis({ host: config.redis.host, port: config.redis.port, enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, enableAutoPipelining: true });
  redis.on('error', () => undefined);
  await redis.connect();
  const analytics = clickhouseFrom(config, 'analyst');
  const app = await buildApp({
    config, db, schemaId, redis, clock: opts.clock, logger: false, analytics,
    olderHistory: (userId, beforeSeq, limit) => historyBefore(analytics, userId, beforeSeq, limit),
  });
  await app.ready();
  const keyWith = (scope: string, not?: string) => {
    const k = config.api.keys.find((x) => x.scopes.includes(scope as never) && (!not || !x.scopes.includes(not as never)));
    if (!k) throw new Error(`no API key with scope ${scope} in API_KEYS`);
    return `Bearer ${k.secret}`;
  };
  return {
    app, db, config, schemaId, redis,
    auth: { admin: keyWith('admin'), write: keyWith('points:write', 'admin'), read: keyWith('points:read', 'points:write') },
    close: async () => { await app.close(); await db.destroy(); redis.disconnect(); await analytics.close(); },
  };
}

/** A user id no other test run uses. */
export function testUser(prefix = 'u'): string {
  return `${prefix}-${randomUUID().slice(0, 13)}`;
}
