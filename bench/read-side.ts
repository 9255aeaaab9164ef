/**
 * The read side, measured against the running stack:
 *   replay:    each projector's store replaying points.events from offset 0, in this
 *              process, as a fresh consumer group, into a scratch target (Redis
 *              database 14, a scratch ClickHouse database): the live models are untouched.
 *   freshness: commands at a steady rate through the API; after each, a balance query
 *              with minSeq = the command's seq: the time from the command's answer
 *              (commit) to the read model showing it.
 * Usage: npx tsx bench/read-side.ts [--rate 150] [--seconds 20]
 * Writes bench/results/read-side-latest.json (and a dated copy).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig } from '../common/src/config.ts';
import { ClickHouse } from '../common/src/clickhouse.ts';
import { ensureDatabase, ensureSchema } from '../projectors/clickhouse/schema.ts';
import { ClickHouseStore } from '../projectors/clickhouse/writer.ts';
import { RedisStore } from '../projectors/redis/writer.ts';
import { ProjectorRunner, type ProjectorStore } from '../projectors/shared/run-projector.ts';
import { percentile, writeResults } from './lib.ts';

const { values } = parseArgs({ options: { rate: { type: 'string', default: '150' }, seconds: { type: 'string', default: '20' } } });
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
    await new Promise((r) => setTimeout(r, 250));
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
  const r = { messages: total, events: s.applied + s.duplicates, deadLettered: s.deadLettered, seconds: Number(secs.toFixed(2)), messagesPerSecond: Math.round(total / secs), eventsPerSecond: Math.round((s.applied + s.duplicates) / secs) };
  console.log(`replay ${name}: ${r.messages} messages (${r.events} events, ${r.deadLettered} dead letters) in ${r.seconds} s: ${r.eventsPerSecond} events/s`);
  return r;
}

// --- replay rates
const scratchRedis = new Redis({ host: config.redis.host, port: config.redis.port, db: 14 });
await scratchRedis.flushdb();
const redisReplay = await replay('redis', new RedisStore(scratchRedis, config.projectors.historyLimit));
await scratchRedis.flushdb();
scratchRedis.disconnect();

const scratchName = `points_bench_${Date.now()}`;
await ensureDatabase(config, scratchName);
const scratchCh = new ClickHouse(config.clickhouse.url, config.clickhouse.writer, scratchName);
await ensureSchema(scratchCh);
const chStore = new ClickHouseStore(scratchCh, { maxEvents: config.projectors.clickhouseFlushMaxEvents });
const chReplay = await replay('clickhouse', chStore);
await chStore.flush();
await new ClickHouse(config.clickhouse.url, config.clickhouse.writer, 'default').exec(`DROP DATABASE IF EXISTS ${scratchName}`);

// --- freshness at a steady rate
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const url = `http://${config.api.host}:${config.api.port}`;
const write = config.api.keys.find((k) => k.scopes.includes('points:write'))!.secret;
const read = config.api.keys.find((k) => k.scopes.includes('points:read'))!.secret;
const users = Array.from({ length: 500 }, (_, i) => `fresh-${randomUUID().slice(0, 8)}-${i}`);
const freshness: number[] = [];
const commandMs: number[] = [];
let behind = 0;
async function one(i: number): Promise<void> {
  const userId = users[i % users.length]!;
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/points/grants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${write}`, 'idempotency-key': randomUUID() },
    body: JSON.stringify({ userId, amount: 10, validDays: 30, reason: 'freshness bench' }),
  });
  const body = (await res.json()) as { seq: number };
  const t1 = performance.now();
  commandMs.push(t1 - t0);
  const b = await fetch(`${url}/v1/users/${userId}/balance?minSeq=${body.seq}&waitMs=10000`, { headers: { authorization: `Bearer ${read}` } });
  await b.arrayBuffer();
  if (b.status === 200) freshness.push(performance.now() - t1);
  else behind++;
}
console.log(`freshness: ${rate} commands/s for ${seconds} s`);
const inflight: Promise<void>[] = [];
const start = performance.now();
for (let i = 0; i < rate * seconds; i++) {
  const due = start + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  inflight.push(one(i));
  if (i % rate === 0 && i > 0) process.stdout.write(`  ${i} commands sent, ${freshness.length} seen in Redis\n`);
}
await Promise.all(inflight);
const achieved = Math.round((rate * seconds) / ((performance.now() - start) / 1000));
freshness.sort((a, b) => a - b);
commandMs.sort((a, b) => a - b);
const summary = {
  at: new Date().toISOString(),
  replay_redis_eps: redisReplay.eventsPerSecond,
  replay_clickhouse_eps: chReplay.eventsPerSecond,
  replay: { redis: redisReplay, clickhouse: chReplay },
  freshness_rate_per_s: achieved,
  freshness_p50_ms: Number(percentile(freshness, 50).toFixed(1)),
  freshness_p99_ms: Number(percentile(freshness, 99).toFixed(1)),
  freshness_max_ms: Number((freshness[freshness.length - 1] ?? 0).toFixed(1)),
  freshness_samples: freshness.length,
  projection_behind: behind,
  command_p50_ms: Number(percentile(commandMs, 50).toFixed(1)),
  command_p99_ms: Number(percentile(commandMs, 99).toFixed(1)),
};
console.log(JSON.stringify(summary, null, 2));
console.log(`written: ${writeResults('read-side', summary)}`);
