/**
 * Replays: each projector's store replaying points.events from offset 0, in this
 * process, as a fresh consumer group, into a scratch target (a key prefix of the run in
 * Redis, a scratch ClickHouse database): the live models are untouched. (Freshness: freshness.ts.)
 * Usage: npx tsx bench/read-side.ts
 * Writes bench/results/read-side-latest.json (and a dated copy).
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { loadConfig } from '../common/src/config.ts';
import { createRedis, deleteMatching } from '../common/src/redis.ts';
import { ClickHouse } from '../common/src/clickhouse.ts';
import { dropDatabase, ensureDatabase, ensureSchema } from '../projectors/clickhouse/schema.ts';
import { ClickHouseStore } from '../projectors/clickhouse/writer.ts';
import { RedisStore } from '../projectors/redis/writer.ts';
import { ProjectorRunner, type ProjectorStore } from '../projectors/shared/run-projector.ts';
import { writeResults } from './lib.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const config = loadConfig();
const log = pino({ level: 'error' });
const topic = config.kafka.pointsTopic;

async function topicSize(): Promise<{ ends: Map<number, number>; total: number }> {
  const admin = new Kafka({ clientId: 'bench', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  return { ends: new Map(offsets.map((o) => [o.partition, Number(o.high)])), total: offsets.reduce((s, o) => s + Number(o.high) - Number(o.low), 0) };
}

async function replay(name: string, store: ProjectorStore): Promise<Record<string, number>> {
  const { ends, total } = await topicSize();
  const runner = new ProjectorRunner({ config, groupId: `bench-replay-${name}-${randomUUID().slice(0, 8)}`, store, log });
  const started = performance.now();
  let firstAt = 0;
  await runner.start();
  for (;;) {
    await sleep(250);
    const pos = runner.stats.positions;
    if (!firstAt && pos.size > 0) firstAt = performance.now();
    const done = [...ends].reduce((s, [p, end]) => s + Math.min(Number(pos.get(p) ?? 0n), end), 0);
    const secs = (performance.now() - started) / 1000;
    process.stdout.write(`  replay ${name}: ${done}/${total} messages, ${Math.round(done / secs)}/s\n`);
    if ([...ends].every(([p, end]) => Number(pos.get(p) ?? 0n) >= end)) break;
  }
  const secs = (performance.now() - started) / 1000;
  await runner.stop();
  const s = runner.stats;
  const r = {
    messages: total,
    events: s.applied + s.duplicates,
    deadLettered: s.deadLettered,
    seconds: Number(secs.toFixed(2)),
    messagesPerSecond: Math.round(total / secs),
    eventsPerSecond: Math.round((s.applied + s.duplicates) / secs),
  };
  console.log(`replay ${name}: ${r.messages} messages (${r.events} events, ${r.deadLettered} dead letters) in ${r.seconds} s: ${r.eventsPerSecond} events/s`);
  return r;
}

// --- replay rates
// The Redis copy goes beside the live model under a key prefix of this run (database 0 is
// the only one on Redis Cluster; the model's readers, verify and the rebuild see only keys
// that begin with u:{), and exactly its keys are deleted after, on every master.
const scratchRedis = createRedis(config, { keyPrefix: `bench-replay-${randomUUID().slice(0, 8)}:` });
const redisReplay = await replay('redis', new RedisStore(scratchRedis, config.projectors.historyLimit));
console.log(`replay redis: ${await deleteMatching(scratchRedis, '*')} scratch keys deleted`);
scratchRedis.disconnect();

const scratchName = `points_bench_${Date.now()}`;
await ensureDatabase(config, scratchName);
await ensureSchema(config, scratchName);
const scratchCh = new ClickHouse(config.clickhouse.url, config.clickhouse.writer, scratchName);
const chStore = new ClickHouseStore(scratchCh, {
  maxEvents: config.projectors.clickhouseFlushMaxEvents,
  minIntervalMs: config.projectors.clickhouseFlushMinIntervalMs,
});
const chReplay = await replay('clickhouse', chStore);
await chStore.flush();
await dropDatabase(config, scratchName);

const summary = {
  at: new Date().toISOString(),
  replay_redis_eps: redisReplay.eventsPerSecond,
  replay_clickhouse_eps: chReplay.eventsPerSecond,
  replay: { redis: redisReplay, clickhouse: chReplay },
};
console.log(JSON.stringify(summary, null, 2));
console.log(`written: ${writeResults('read-side', summary)}`);
