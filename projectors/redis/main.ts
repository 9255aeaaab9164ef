/** The Redis projector process: points.events -> the real-time model in Redis. */
import closeWithGrace from 'close-with-grace';
import { loadConfig } from '../../common/src/config.ts';
import { createRedis } from '../../common/src/redis.ts';
import { projectorLogger } from '../shared/logger.ts';
import { RedriveWorker } from '../shared/redrive.ts';
import { ProjectorRunner } from '../shared/run-projector.ts';
import { StatusPublisher } from '../shared/status.ts';
import { RedisStore } from './writer.ts';

const config = loadConfig();
const log = projectorLogger('redis', config.api.logLevel);
// Commands fail fast while Redis is down; the runner retries the batch with backoff.
const redis = createRedis(config, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
redis.on('error', (e) => log.warn({ err: e.message }, 'redis connection error'));

const status = new StatusPublisher(redis, 'redis', config.instance);
const store = new RedisStore(redis, config.projectors.historyLimit);
const runner = new ProjectorRunner({
  config,
  groupId: 'projector-redis',
  store,
  log,
  onBatch: (stats) => status.publish(stats).catch(() => undefined),
});
// Dead letters given to this store again on request (POST /v1/pipeline/dead-letters/redrive).
const redrive = new RedriveWorker({ config, redis, store, log });

closeWithGrace({ delay: 20_000 }, async ({ signal, err }) => {
  if (err) log.fatal({ err }, 'uncaught error; stopping');
  else log.info({ signal }, 'stopping');
  await redrive.stop();
  await runner.stop();
  await redis.quit();
});
await runner.start();
redrive.start();
