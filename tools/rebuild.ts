/**
 * `make rebuild-redis` / `make rebuild-clickhouse`: empties a read model and replays
 * it from points.events (offset 0), printing progress, while the API keeps answering.
 *   1. stop the projector service;  2. empty the model;
 *   3. rewind the projector's consumer group to the beginning of the topic;
 *   4. start the projector service; 5. follow its committed offsets until it has
 *      reached the end the topic had when the rebuild began.
 * Queries answer throughout, from a model that fills up again (no old data is mixed in).
 */
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { loadConfig } from '../common/src/config.ts';
import { stack } from '../testing/stack-control.ts';
import { clickhouseFrom, truncate } from '../projectors/clickhouse/analytics.ts';
import { statusKey } from '../projectors/shared/status.ts';
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

async function emptyRedis(redis: Redis): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'u:{*}:*', 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

const kafka = new Kafka({ clientId: 'rebuild', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const redis = new Redis({ host: config.redis.host, port: config.redis.port });
let stopped = false;
try {
  say(`stopping ${service}`);
  await stack('stop', service);
  stopped = true;

  if (model === 'redis') {
    say(`emptied Redis model: ${await emptyRedis(redis)} keys deleted`);
  } else {
    const ch = clickhouseFrom(config, 'writer');
    await truncate(ch).finally(() => ch.close());
    say('emptied ClickHouse model');
  }
  await redis.del(statusKey(model));

  // A member that left without leaving the group (killed) stays in it until its session
  // times out (10 s): until then the group cannot be rewound.
  await retry(() => admin.resetOffsets({ groupId, topic, earliest: true }), {
    retries: 20, initialMs: 1000, maxMs: 2000,
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
} finally {
  // Never leave the projector stopped: a failed rebuild says so and starts it again.
  if (stopped) {
    say(`rebuild failed; starting ${service} again`);
    await stack('start', service).catch((e: Error) => say(`cannot start ${service}: ${e.message}`));
  }
  await admin.disconnect();
  redis.disconnect();
}
