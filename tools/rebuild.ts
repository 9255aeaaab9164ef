/**
 * `make rebuild-redis` / `make rebuild-clickhouse`: empties a read model and replays
 * it from points.events (offset 0), printing progress, while the API keeps answering.
 *   1. stop the projector service: every instance of it (infra/bin/stack stops them all,
 *      in both topologies), then wait until its consumer group has no member left (a
 *      killed one stays until its session times out; one that never leaves is an
 *      instance nobody stopped: the rebuild fails, with its name);
 *   2. empty the model, and delete the status of every instance (and the totals);
 *   3. rewind the projector's consumer group to the beginning of the topic;
 *   4. start the projector service; 5. follow its committed offsets until it has
 *      reached the end the topic had when the rebuild began.
 * Whatever fails, the projector is started again.
 * Queries answer throughout, from a model that fills up again (no old data is mixed in).
 */
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../common/src/config.ts';
import { createRedis, deleteMatching, type RedisClient } from '../common/src/redis.ts';
import { MODEL_KEY_PATTERN } from '../projectors/redis/keys.ts';
import { stack } from '../testing/stack-control.ts';
import { truncate } from '../projectors/clickhouse/analytics.ts';
import { deleteStatuses } from '../projectors/shared/status.ts';
import { waitUntilGroupEmpty } from './consumer-group.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { retry } from '../common/src/retry.ts';

const model = process.argv[2];
if (model !== 'redis' && model !== 'clickhouse') {
  console.error('usage: rebuild.ts redis|clickhouse');
  process.exit(2);
}
const config = loadConfig();
const service = `projector-${model}`;
const groupId = `projector-${model}`;
const topic = config.kafka.pointsTopic;
const t0 = Date.now();
const say = (msg: string) => console.log(`[rebuild ${model}] ${msg}`);
/** How long the stopped members may take to leave the group: a killed one's session (10 s) and a rebalance (15 s), with room. */
const GROUP_EMPTY_TIMEOUT_MS = 60_000;

/** Deletes every key of the model on every master: SCAN, then UNLINK slot by slot (common/src/redis.ts). */
async function emptyRedis(redis: RedisClient): Promise<number> {
  return deleteMatching(redis, MODEL_KEY_PATTERN);
}

const kafka = new Kafka({ clientId: 'rebuild', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const redis = createRedis(config);
let stopped = false;
try {
  say(`stopping ${service}`);
  // Set first: a stop that fails half-way (one instance stopped) still ends with a start.
  stopped = true;
  await stack('stop', service);
  // Nobody may apply while the model is emptied and the group rewound.
  await waitUntilGroupEmpty(admin, groupId, { timeoutMs: GROUP_EMPTY_TIMEOUT_MS, say });

  if (model === 'redis') {
    say(`emptied Redis model: ${await emptyRedis(redis)} keys deleted`);
  } else {
    await truncate(config);
    say(`emptied ClickHouse model (${config.clickhouse.nodes.length} server(s))`);
  }
  say(`deleted the status of ${model} and its instances: ${await deleteStatuses(redis, model)} keys`);

  // The group is empty now; a rewind refused all the same (the coordinator moving) is retried.
  await retry(() => admin.resetOffsets({ groupId, topic, earliest: true }), {
    retries: 20,
    initialMs: 1000,
    maxMs: 2000,
    onRetry: (e) => say(`cannot rewind ${groupId} yet (${(e as Error).message}); retrying`),
  });
  const ends = await admin.fetchTopicOffsets(topic);
  const lows = new Map(ends.map((o) => [o.partition, Number(o.low)]));
  const target = ends.reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
  say(`consumer group ${groupId} rewound to the beginning; ${target} messages to replay`);

  say(`starting ${service}`);
  await stack('start', service);
  stopped = false;

  let last = { at: Date.now(), done: 0 };
  for (;;) {
    const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
    let done = 0;
    let behind = 0;
    for (const o of ends) {
      const c = Math.max(Number(committed.find((p) => p.partition === o.partition)?.offset ?? -1), lows.get(o.partition) ?? 0);
      done += Math.min(c, Number(o.high)) - (lows.get(o.partition) ?? 0);
      behind += Math.max(0, Number(o.high) - c);
    }
    const now = Date.now();
    const rate = (done - last.done) / Math.max(0.001, (now - last.at) / 1000);
    const left = rate > 0 ? Math.ceil(behind / rate) : null;
    say(`${done}/${target} messages (${target ? Math.floor((100 * done) / target) : 100}%), ${Math.round(rate)}/s, ${left === null ? '?' : `${left} s`} left`);
    if (behind === 0) break;
    last = { at: now, done };
    await sleep(1000);
  }
  const secs = (Date.now() - t0) / 1000;
  say(`done: ${target} messages replayed in ${secs.toFixed(1)} s (${Math.round(target / secs)}/s overall)`);
} catch (e) {
  say(`rebuild failed: ${(e as Error).message}`);
  process.exitCode = 1;
} finally {
  // Never leave the projector stopped: a failed rebuild says so and starts it again.
  if (stopped) {
    say(`rebuild failed; starting ${service} again`);
    await stack('start', service).catch((e: Error) => say(`cannot start ${service}: ${e.message}`));
  }
  await admin.disconnect();
  redis.disconnect();
}
