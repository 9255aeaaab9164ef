/** The API process: configuration, database pool, schema registration, HTTP server. */
import closeWithGrace from 'close-with-grace';
import { loadConfig } from '../../common/src/config.ts';
import { createRedis } from '../../common/src/redis.ts';
import { clickhouseFrom, historyBefore } from '../../projectors/clickhouse/analytics.ts';
import { buildApp } from './app.ts';
import { createShards } from '../../common/src/mysql.ts';
import { registerPointEventSchema } from './ledger/event-codec.ts';
import { registerExpiryNoticeSchema } from '../../schemas/expiry-notice.ts';
import { retry } from '../../common/src/retry.ts';

const config = loadConfig();
// A pool per write-model shard (one in single, ADR 0011).
const shards = createShards(config);
// Queries fail fast (503) while Redis is down instead of queueing; so does the rate
// limit's count, and the request then goes on unlimited (http/rate-limit-store.ts).
const redis = createRedis(config, {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  // Commands of concurrent requests issued in one tick share one write (and one read).
  enableAutoPipelining: true,
});
redis.on('error', () => undefined); // reported per request as 503 UNAVAILABLE

// The registry may still be starting: once a second, for 30 s.
const schemaId = await retry(() => registerPointEventSchema(config.registry.url), {
  retries: 29,
  initialMs: 1000,
  maxMs: 1000,
  factor: 1,
  jitter: 0,
  onRetry: (e) => console.error(`schema registry not ready (${(e as Error).message}); retrying`),
});
// The expiry notice's schema, under the notices topic's subject (registry ready by now).
const noticeSchemaId = await retry(() => registerExpiryNoticeSchema(config.registry.url, `${config.kafka.noticesTopic}-value`), {
  retries: 9,
  initialMs: 1000,
  maxMs: 1000,
  factor: 1,
  jitter: 0,
  onRetry: (e) => console.error(`expiry notice schema not registered (${(e as Error).message}); retrying`),
});
// Analytics and old history read ClickHouse as the read-only analyst user.
const analytics = clickhouseFrom(config, 'analyst');
const app = await buildApp({
  config,
  shards,
  schemaId,
  noticeSchemaId,
  runGrantBatches: true,
  redis,
  analytics,
  olderHistory: (userId, beforeSeq, limit) => historyBefore(analytics, userId, beforeSeq, limit),
});
app.log.info({ schemaId, subject: 'points.events-value' }, 'point event schema registered');

// SIGTERM/SIGINT, or an error nobody caught: close the server (requests in flight finish,
// new ones get 503), then the pools; at most 20 s, then exit anyway.
closeWithGrace({ delay: 20_000 }, async ({ signal, err }) => {
  if (err) app.log.fatal({ err }, 'uncaught error; shutting down');
  else app.log.info({ signal }, 'shutting down');
  await app.close();
  await shards.destroy();
  await redis.quit();
});

await app.listen({ host: config.api.host, port: config.api.listenPort });
