/**
 * A consumer crash kafkajs does not recover from never leaves a projector silently dead
 * (issue: after "SIGKILL kafka" the ClickHouse projector's consumer crashed with a
 * non-retriable error and never came back while its process stayed up).
 *
 * The crash is provoked for real: a ProjectorRunner, in-process, on points.events with a
 * consumer group of its own starting at the topic's end, whose batch callback throws a
 * non-retriable KafkaJS error once. kafkajs then crashes the consumer with
 * `restart: false` and disconnects it: exactly the path of the coordinator error
 * (KafkaJSNonRetriableError: The coordinator is not aware of this member). The runner must replace the consumer by itself and
 * apply every later event, once (store: ClickHouse, a scratch database).
 */
import pino from 'pino';
import { KafkaJSNonRetriableError } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quote } from '../../common/src/clickhouse.ts';
import { startTestApi, testUser, type TestApi } from '../../common/src/testing/api.ts';
import { testKafka } from '../../common/src/testing/kafka.ts';
import { ClickHouseStore } from '../clickhouse/writer.ts';
import { scratchDatabase, type ScratchDatabase } from '../clickhouse/test/scratch-db.ts';
import { ProjectorRunner, type ProjectorStore } from './run-projector.ts';

let api: TestApi;
let db: ScratchDatabase;
let runner: ProjectorRunner | undefined;
const groupId = `projector-crash-e2e-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const admin = testKafka('tests-consumer-crash').admin();

beforeAll(async () => {
  api = await startTestApi();
  db = await scratchDatabase();
  await admin.connect();
  const topic = api.config.kafka.pointsTopic;
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.setOffsets({ groupId, topic, partitions: ends.map((o) => ({ partition: o.partition, offset: o.high })) });
});

afterAll(async () => {
  await runner?.stop();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();
  await db?.drop();
  await api?.close();
});

describe('projector consumer crash', () => {
  it('a crash kafkajs will not restart: the runner starts a new consumer and applies every later event once', async () => {
    const userId = testUser('crash');
    const store = new ClickHouseStore(db.ch, { maxDelayMs: 100 });
    const onlyThisUser: ProjectorStore = { name: store.name, apply: (events) => store.apply(events.filter((e) => e.userId === userId)) };
    let crashes = 0;
    let fatal: unknown;
    runner = new ProjectorRunner({
      config: api.config, groupId, store: onlyThisUser, log: pino({ level: 'silent' }),
      onBatch: (stats) => {
        // The first batch that applied one of this user's events throws: kafkajs crashes the consumer.
        if (crashes === 0 && stats.applied > 0) {
          crashes++;
          throw new KafkaJSNonRetriableError('provoked crash: the coordinator is not aware of this member');
        }
      },
      onFatal: (e) => { fatal = e; },
    });
    await runner.start();

    let n = 0;
    const grant = async () => {
      const r = await api.app.inject({
        method: 'POST', url: '/v1/points/grants',
        payload: { userId, amount: 10, validDays: 30, reason: 'crash test' },
        headers: { authorization: api.auth.write, 'idempotency-key': `${userId}-${n++}` },
      });
      expect(r.statusCode, r.body).toBe(201);
      return r.json() as { seq: number };
    };
    await grant();
    // Wait for the crash, then write more while the consumer is being replaced.
    for (const t0 = Date.now(); crashes === 0 && Date.now() - t0 < 60_000;) await sleep(100);
    expect(crashes).toBe(1);
    let last = { seq: 0 };
    for (let i = 0; i < 5; i++) last = await grant();

    let maxSeq = 0;
    let count = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 30_000 && (maxSeq < last.seq || count < last.seq)) {
      const [row] = await db.ch.query<{ m: string; c: string }>(`SELECT max(seq) AS m, count() AS c FROM events FINAL WHERE userId = ${quote(userId)}`);
      maxSeq = Number(row?.m ?? 0);
      count = Number(row?.c ?? 0);
      if (maxSeq < last.seq) await sleep(250);
    }
    console.log(`[consumer-crash] back and caught up ${Date.now() - t0} ms after the last command; consumer restarts ${runner.stats.consumerRestarts}`);
    expect(fatal).toBeUndefined();
    expect(runner.stats.consumerRestarts).toBeGreaterThanOrEqual(1);
    expect(maxSeq).toBe(last.seq);
    expect(count).toBe(last.seq);
    expect(store.stats.inserted).toBe(last.seq);
  });
});
