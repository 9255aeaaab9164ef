/**
 * A consumer crash kafkajs does not recover from never leaves a projector silently dead
 * (issue: after "SIGKILL kafka" the ClickHouse projector's consumer crashed with a
 * non-retriable error and never came back while its process stayed up).
 *
 * The crash is provoked for real: a ProjectorRunner, in-process, on points.events with a
 * consumer group of its own starting at the topic's end, whose batch callback throws a
 * non-retriable KafkaJS error once. kafkajs then crashes the consumer with
 * `restart: false` and disconnects it: exactly the path of the coordinator error
 * (KafkaJSNonRetriableError: The coordinator is not aware of this member). Each runner
 * must replace its consumer by itself and apply every later event, once: one with the
 * ClickHouse store (a scratch database), one with the Redis store (keys under a prefix of
 * the run, deleted after: the real model never holds users it cannot rebuild, and
 * database 0 is the only one on Redis Cluster).
 */
import pino from 'pino';
import { KafkaJSNonRetriableError } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quote } from '../../common/src/clickhouse.ts';
import { createRedis, deleteMatching, type RedisClient } from '../../common/src/redis.ts';
import { connectStackApi, testUser, type StackApi } from '../../testing/api.ts';
import { testKafka } from '../../testing/kafka.ts';
import { ClickHouseStore } from '../clickhouse/writer.ts';
import { scratchDatabase, type ScratchDatabase } from '../clickhouse/test/scratch-db.ts';
import { userKeys } from '../redis/keys.ts';
import { RedisStore } from '../redis/writer.ts';
import { ProjectorRunner, type ProjectorStore } from './run-projector.ts';

let api: StackApi;
let db: ScratchDatabase;
let redis: RedisClient;
const runners: ProjectorRunner[] = [];
const run = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const groups = [`projector-crash-e2e-ch-${run}`, `projector-crash-e2e-redis-${run}`];
const admin = testKafka('tests-consumer-crash').admin();

beforeAll(async () => {
  api = await connectStackApi();
  db = await scratchDatabase();
  // The Redis store's keys begin with this prefix: the model's readers, verify and the rebuild see only u:{...}.
  redis = createRedis(api.config, { keyPrefix: `test-crash-${run}:` });
  await admin.connect();
  // The groups start at the topic's end: only what this test writes is read.
  const topic = api.config.kafka.pointsTopic;
  const ends = await admin.fetchTopicOffsets(topic);
  for (const groupId of groups) {
    await admin.setOffsets({ groupId, topic, partitions: ends.map((o) => ({ partition: o.partition, offset: o.high })) });
  }
});

afterAll(async () => {
  for (const r of runners) await r.stop();
  await admin.deleteGroups(groups).catch(() => undefined);
  await admin.disconnect();
  await db?.drop();
  if (redis) await deleteMatching(redis, '*');
  redis?.disconnect();
  await api?.close();
});

/** A runner of the test's user only, whose batch callback crashes its consumer once. */
function crashingRunner(groupId: string, store: ProjectorStore, userId: string) {
  const state = { crashes: 0, fatal: undefined as unknown };
  const runner = new ProjectorRunner({
    config: api.config,
    groupId,
    log: pino({ level: 'silent' }),
    store: { name: store.name, apply: (events) => store.apply(events.filter((e) => e.userId === userId)) },
    onBatch: (stats) => {
      if (state.crashes === 0 && stats.applied > 0) {
        state.crashes++;
        throw new KafkaJSNonRetriableError('provoked crash: the coordinator is not aware of this member');
      }
    },
    onFatal: (e) => {
      state.fatal = e;
    },
  });
  runners.push(runner);
  return { runner, state };
}

describe('projector consumer crash', () => {
  it('a crash kafkajs will not restart: each runner starts a new consumer and both models get every later event once', async () => {
    const userId = testUser('crash');
    const chStore = new ClickHouseStore(db.ch, { maxDelayMs: 100 });
    const ch = crashingRunner(groups[0]!, chStore, userId);
    const rd = crashingRunner(groups[1]!, new RedisStore(redis, api.config.projectors.historyLimit), userId);
    await Promise.all([ch.runner.start(), rd.runner.start()]);

    let n = 0;
    const grant = async () => {
      const r = await api.app.inject({
        method: 'POST',
        url: '/v1/points/grants',
        payload: { userId, amount: 10, validDays: 30, reason: 'crash test' },
        headers: { authorization: api.auth.write, 'idempotency-key': `${userId}-${n++}` },
      });
      expect(r.statusCode, r.body).toBe(201);
      return r.json() as { seq: number; balance: number };
    };
    await grant();
    // Wait for both crashes, then write more while the consumers are being replaced.
    for (const t0 = Date.now(); (ch.state.crashes === 0 || rd.state.crashes === 0) && Date.now() - t0 < 60_000; ) await sleep(100);
    expect([ch.state.crashes, rd.state.crashes]).toEqual([1, 1]);
    let last = { seq: 0, balance: 0 };
    for (let i = 0; i < 5; i++) last = await grant();

    const t0 = Date.now();
    let clickhouse = { maxSeq: 0, count: 0 };
    let redisSeq = 0;
    while (Date.now() - t0 < 30_000 && (clickhouse.maxSeq < last.seq || redisSeq < last.seq)) {
      const [row] = await db.ch.query<{ m: string; c: string }>(`SELECT max(seq) AS m, count() AS c FROM events FINAL WHERE userId = ${quote(userId)}`);
      clickhouse = { maxSeq: Number(row?.m ?? 0), count: Number(row?.c ?? 0) };
      redisSeq = Number((await redis.hget(userKeys(userId).wallet, 'seq')) ?? 0);
      if (clickhouse.maxSeq < last.seq || redisSeq < last.seq) await sleep(250);
    }
    console.log(
      `[consumer-crash] both models caught up ${Date.now() - t0} ms after the last command; consumer restarts: ClickHouse ${ch.runner.stats.consumerRestarts}, Redis ${rd.runner.stats.consumerRestarts}`,
    );
    for (const r of [ch, rd]) {
      expect(r.state.fatal).toBeUndefined();
      expect(r.runner.stats.consumerRestarts).toBeGreaterThanOrEqual(1);
    }
    expect(clickhouse).toEqual({ maxSeq: last.seq, count: last.seq });
    expect(chStore.stats.inserted).toBe(last.seq);
    expect(redisSeq).toBe(last.seq);
    expect(Number(await redis.hget(userKeys(userId).wallet, 'balance'))).toBe(last.balance);
    expect(rd.runner.stats.applied).toBe(last.seq);
  });
});
