/** The API process: configuration, database pool, schema registration, HTTP server. */
import { Redis } from 'ioredis';
import { loadConfig } from '../../common/src/config.ts';
import { clickhouseFrom, historyBefore } from '../../projectors/clickhouse/analytics.ts';
import { buildApp } from './app.ts';
import { createDb } from '../../common/src/mysql.ts';
import { registerPointEventSchema } from './ledger/event-codec.ts';

const config = loadConfig();
const db = createDb(config);
// Queries fail fast (503) while Redis is down instead of queueing.
const redis = new Redis({
  host: config.redis.host, port: config.redis.port, enableOfflineQueue: false, maxRetriesPerRequest: 1,
  // Commands of concurrent requests issued in one tick share one write (and one read).
  enableAutoPipelining: true,
});
redis.on('error', () => undefined); // reported per request as 503 UNAVAILABLE

async function registerWithRetry(): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await registerPointEventSchema(config.registry.url);
    } catch (e) {
      if (attempt >= 30) throw e;
      console.error(`schema registry not ready (${(e as Error).message}); retrying`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

const schemaId = await registerWithRetry();
// Analytics and old history read ClickHouse as the read-only analyst user.
const analytics = clickhouseFrom(config, 'analyst');
const app = await buildApp({
  config, db, schemaId, redis, analytics,
  olderHistory: (userId, beforeSeq, limit) => historyBefore(analytics, userId, beforeSeq, limit),
});
app.log.info({ schemaId, subject: 'points.events-value' }, 'point event schema registered');

let closing = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    void app.close().then(() => db.destroy()).then(() => redis.quit()).then(() => process.exit(0));
  });
}

await app.listen({ host: config.api.host, port: config.api.port });
