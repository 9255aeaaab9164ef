/** The API process: configuration, database pool, schema registration, HTTP server. */
import closeWithGrace from 'close-with-grace';
import { Redis } from 'ioredis';
import { loadConfig } from '../../common/src/config.ts';
import { clickhouseFrom, historyBefore } from '../../projectors/clickhouse/analytics.ts';
import { buildApp } from './app.ts';
import { createDb } from '../../common/src/mysql.ts';
import { registerPointEventSchema } from './ledger/event-codec.ts';
import { retry } from '../../common/src/retry.ts';

const config = loadConfig();
const db = createDb(config);
// Queries fail fast (503) while Redis is down instead of queueing.
const redis = new Redis({
  host: config.redis.host, port: config.redis.port, enableOfflineQueue: false, maxRetriesPerRequest: 1,
  // Commands of concurrent requests issued in one tick share one write (and one read).
  enableAutoPipelining: true,
});
redis.on('error', () => undefined); // reported per request as 503 UNAVAILABLE

// The registry may still be starting: once a second, for 30 s.
const schemaId = await retry(() => registerPointEventSchema(config.registry.url), {
  retries: 29, initialMs: 1000, maxMs: 1000, factor: 1, jitter: 0,
  onRetry: (e) => console.error(`schema registry not ready (${(e as Error).message}); retrying`),
});
// Analytics and old history read ClickHouse as the read-only analyst user.
const analytics = clickhouseFrom(config, 'analyst');
const app = await buildApp({
  config, db, schemaId, redis, analytics,
  olderHistory: (userId, beforeSeq, limit) => historyBefore(analytics, userId, beforeSeq, limit),
});
app.log.info({ schemaId, subject: 'points.events-value' }, 'point event schema registered');

// SIGTERM/SIGINT, or an error nobody caught: close the server (requests in flight finish,
// new ones get 503), then the pools; at most 20 s, then exit anyway.
closeWithGrace({ delay: 20_000 }, async ({ signal, err }) => {
  if (err) app.log.fatal({ err }, 'uncaught error; shutting down');
  else app.log.info({ signal }, 'shutting down');
  await app.close();
  await db.destroy();
  await redis.quit();
});

await app.listen({ host: config.api.host, port: config.api.port });
