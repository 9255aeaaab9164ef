/**
 * The ClickHouse projector process: points.events -> the analytics model in ClickHouse.
 * Run with `npx tsx projectors/clickhouse/main.ts` (the local stack's
 * projector-clickhouse service does).
 */
import closeWithGrace from 'close-with-grace';
import { loadConfig } from '../../common/src/config.ts';
import { createRedis } from '../../common/src/redis.ts';
import { projectorLogger } from '../shared/logger.ts';
import { RedriveWorker } from '../shared/redrive.ts';
import { ProjectorRunner } from '../shared/run-projector.ts';
import { StatusPublisher } from '../shared/status.ts';
import { clickhouseFrom } from './client.ts';
import { ensureDatabase, ensureSchema } from './schema.ts';
import { ClickHouseStore } from './writer.ts';
import { retry } from '../../common/src/retry.ts';

const GROUP_ID = 'projector-clickhouse';

const config = loadConfig();
const log = projectorLogger('clickhouse', config.api.logLevel);
const ch = clickhouseFrom(config, 'writer');

let stopping = false;

/** The schema, once ClickHouse answers (it may still be starting). */
async function ensureSchemaWithRetry(): Promise<void> {
  await retry(
    async () => {
      await ensureDatabase(config);
      await ensureSchema(config);
    },
    {
      initialMs: 500,
      maxMs: 10_000,
      stopped: () => stopping,
      onRetry: (e, attempt) => log.warn({ err: (e as Error).message, attempt }, 'cannot create the ClickHouse schema yet; retrying'),
    },
  );
}

// Status writes fail fast while Redis is down; they are best effort (the next batch writes again).
const redis = createRedis(config, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
redis.on('error', (e) => log.warn({ err: e.message }, 'redis connection error'));

const store = new ClickHouseStore(ch, {
  log,
  maxEvents: config.projectors.clickhouseFlushMaxEvents,
  minIntervalMs: config.projectors.clickhouseFlushMinIntervalMs,
});
const status = new StatusPublisher(redis, 'clickhouse', config.instance);
const runner = new ProjectorRunner({
  config,
  groupId: GROUP_ID,
  store,
  log,
  onBatch: (stats) => status.publish(stats).catch(() => undefined),
});
// Dead letters given to this store again on request (POST /v1/pipeline/dead-letters/redrive);
// flushed after each round, so that what it reports is in ClickHouse.
const redrive = new RedriveWorker({ config, redis, store, log, flush: () => store.flush() });

closeWithGrace({ delay: 20_000 }, async ({ signal, err }) => {
  stopping = true;
  if (err) log.fatal({ err }, 'uncaught error; stopping');
  else log.info({ signal }, 'stopping');
  await redrive.stop();
  // Write what is buffered now, so the batch in flight commits before the consumer leaves.
  const flushed = store.flush();
  await runner.stop();
  await flushed;
  await store.flush();
  log.info(store.stats, 'stopped');
  await redis.quit();
});

await ensureSchemaWithRetry();
if (!stopping) {
  await runner.start();
  redrive.start();
}
