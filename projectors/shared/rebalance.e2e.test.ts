/**
 * Two instances of the Redis projector in one consumer group (issue 12), on the real
 * stack: API → MariaDB → Debezium → Kafka → two in-process ProjectorRunners of a group of
 * this test (starting at the topic's end) → the Redis store, under a key prefix of the
 * run (deleted after; the real model never holds these users).
 *
 * Both get partitions (the second one's join rebalances the first, whose heartbeats then
 * fail and are rethrown, so it rejoins); one is stopped in the middle of a burst of
 * commands, the other takes its partitions over. Every event is applied once and none
 * twice: each user's Redis seq and balance equal the API's last answer, its history
 * holds every seq once, and the events the two instances applied add up to the events
 * written (duplicates are counted apart, never applied).
 *
 * And a rebalance while one instance's store is down: that instance leaves its store
 * retry loop at the first failed heartbeat and rejoins at once, instead of holding its
 * partitions (retrying, heartbeat errors swallowed) until the coordinator evicts it
 * after the rebalance timeout and then applying beside the new owner.
 */
import pino from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, deleteMatching, type RedisClient } from '../../common/src/redis.ts';
import { connectStackApi, testUser, type StackApi } from '../../testing/api.ts';
import { testKafka } from '../../testing/kafka.ts';
import { userKeys } from '../redis/keys.ts';
import { RedisStore } from '../redis/writer.ts';
import { ProjectorRunner } from './run-projector.ts';

let api: StackApi;
let redis: RedisClient;
const runners: ProjectorRunner[] = [];
const run = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const groups = [`projector-rebalance-e2e-${run}`, `projector-rebalance-e2e-down-${run}`];
const groupId = groups[0]!;
const admin = testKafka('tests-rebalance').admin();

const USERS = 40;
const GRANTS_PER_USER = 12;

beforeAll(async () => {
  api = await connectStackApi();
  redis = createRedis(api.config, { keyPrefix: `test-rebalance-${run}:` });
  await admin.connect();
  const topic = api.config.kafka.pointsTopic;
  const ends = await admin.fetchTopicOffsets(topic);
  for (const g of groups) await admin.setOffsets({ groupId: g, topic, partitions: ends.map((o) => ({ partition: o.partition, offset: o.high })) });
});

afterAll(async () => {
  for (const r of runners) await r.stop();
  await admin.deleteGroups(groups).catch(() => undefined);
  await admin.disconnect();
  if (redis) await deleteMatching(redis, '*');
  redis?.disconnect();
  await api?.close();
});

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** The user's grants, one after the other; the last answer. */
async function grantsOf(userId: string, n: number, onEach?: () => void): Promise<{ seq: number; balance: number }> {
  let last = { seq: 0, balance: 0 };
  for (let i = 0; i < n; i++) {
    const r = await api.app.inject({
      method: 'POST',
      url: '/v1/points/grants',
      payload: { userId, amount: 10 + i, validDays: 30, reason: 'rebalance test' },
      headers: { authorization: api.auth.write, 'idempotency-key': `${userId}-${i}` },
    });
    expect(r.statusCode, r.body).toBe(201);
    const { seq, balance } = r.json() as { seq: number; balance: number };
    last = { seq, balance };
    onEach?.();
  }
  return last;
}

/** Every user's Redis seq equals its last answer's. */
async function caughtUp(last: Map<string, { seq: number }>): Promise<true | undefined> {
  const users = [...last.keys()];
  const seqs = await Promise.all(users.map((u) => redis.hget(userKeys(u).wallet, 'seq')));
  return seqs.every((s, i) => Number(s ?? 0) === last.get(users[i]!)!.seq) ? true : undefined;
}

describe('two instances of the Redis projector in one group', () => {
  it('both get partitions; one stopped mid-burst, the other takes over; every event applied once, none twice', async () => {
    const users = Array.from({ length: USERS }, () => testUser('rebal'));
    const ours = new Set(users);
    const instance = (name: string) => {
      const store = new RedisStore(redis, api.config.projectors.historyLimit);
      const runner = new ProjectorRunner({
        config: api.config,
        groupId,
        instance: name,
        log: pino({ level: 'silent' }),
        // Only this test's users: whatever else reaches the topic meanwhile is not counted.
        store: { name: store.name, apply: (events) => store.apply(events.filter((e) => ours.has(e.userId))) },
      });
      runners.push(runner);
      return runner;
    };
    const a = instance(`rebalance-a-${run}`);
    const b = instance(`rebalance-b-${run}`);
    await a.start();
    await b.start();
    const partitions = api.config.kafka.pointsTopicPartitions;
    await until('both instances with partitions, all of them assigned', 60_000, () =>
      a.partitions.length > 0 && b.partitions.length > 0 && a.partitions.length + b.partitions.length === partitions ? true : undefined,
    );
    const before = { a: [...a.partitions], b: [...b.partitions] };

    // The burst: every user's grants one after the other, the users in parallel.
    const last = new Map<string, { seq: number; balance: number }>();
    let written = 0;
    let stopped: Promise<void> | undefined;
    const half = (USERS * GRANTS_PER_USER) / 2;
    await Promise.all(
      users.map(async (userId) => {
        for (let i = 0; i < GRANTS_PER_USER; i++) {
          const r = await api.app.inject({
            method: 'POST',
            url: '/v1/points/grants',
            payload: { userId, amount: 10 + i, validDays: 30, reason: 'rebalance test' },
            headers: { authorization: api.auth.write, 'idempotency-key': `${userId}-${i}` },
          });
          expect(r.statusCode, r.body).toBe(201);
          const { seq, balance } = r.json() as { seq: number; balance: number };
          last.set(userId, { seq, balance });
          // Half-way, once A has applied some of it: A stops (leaves the group), B must take over.
          if (++written >= half && !stopped && a.stats.applied > 0) stopped = a.stop();
        }
      }),
    );
    if (!stopped) stopped = until('A to apply something', 30_000, () => (a.stats.applied > 0 ? true : undefined)).then(() => a.stop());
    await stopped;
    const total = USERS * GRANTS_PER_USER;

    const t0 = Date.now();
    await until('B to hold every partition and the model to have every event', 90_000, async () => {
      if (b.partitions.length !== partitions) return undefined;
      const seqs = await Promise.all(users.map((u) => redis.hget(userKeys(u).wallet, 'seq')));
      return seqs.every((s, i) => Number(s ?? 0) === last.get(users[i]!)!.seq) ? true : undefined;
    });
    console.log(
      `[rebalance] partitions before the stop: A [${before.a.join(', ')}], B [${before.b.join(', ')}]; after: B [${b.partitions.join(', ')}]; ` +
        `applied A ${a.stats.applied} + B ${b.stats.applied} = ${a.stats.applied + b.stats.applied} of ${total} events, duplicates skipped A ${a.stats.duplicates} B ${b.stats.duplicates}; ` +
        `B caught up ${Date.now() - t0} ms after the burst`,
    );

    for (const userId of users) {
      const w = await redis.hgetall(userKeys(userId).wallet);
      expect({ seq: Number(w.seq), balance: Number(w.balance) }).toEqual(last.get(userId));
      // Every event once in the history, newest first.
      const history = (await redis.lrange(userKeys(userId).history, 0, -1)).map((h) => (JSON.parse(h) as { seq: number }).seq);
      expect(history).toEqual(Array.from({ length: GRANTS_PER_USER }, (_, i) => GRANTS_PER_USER - i));
    }
    // Applied once: the two instances' applications add up to the events; a redelivery is a duplicate, not an apply.
    expect(a.stats.applied + b.stats.applied).toBe(total);
    expect(a.stats.applied).toBeGreaterThan(0);
    expect(b.stats.applied).toBeGreaterThan(0);
    expect(a.stats.gapsStopped + b.stats.gapsStopped).toBe(0);
  });
});

describe('a rebalance while an instance retries its store', () => {
  it('the instance whose store is down rejoins at the first failed heartbeat; once the store is back every event is applied once', async () => {
    const users = Array.from({ length: 20 }, () => testUser('rebal-down'));
    const ours = new Set(users);
    let storeDown = true;
    const working = new RedisStore(redis, api.config.projectors.historyLimit);
    const a = new ProjectorRunner({
      config: api.config,
      groupId: groups[1]!,
      instance: `rebalance-down-a-${run}`,
      log: pino({ level: 'silent' }),
      store: {
        name: 'redis',
        apply: async (events) => {
          const mine = events.filter((e) => ours.has(e.userId));
          if (storeDown && mine.length > 0) throw new Error('Redis is down (simulated)');
          return working.apply(mine);
        },
      },
    });
    runners.push(a);
    await a.start();
    await until('A to hold every partition', 30_000, () => (a.partitions.length === api.config.kafka.pointsTopicPartitions ? true : undefined));
    const last = new Map<string, { seq: number; balance: number }>();
    await Promise.all(users.map(async (u) => last.set(u, await grantsOf(u, 5))));
    await until('A to be retrying its store', 30_000, () => (a.stats.storeRetries > 2 ? true : undefined));

    // B joins: the group rebalances. start() returns once B has joined, that is once A has rejoined too.
    const b = new ProjectorRunner({
      config: api.config,
      groupId: groups[1]!,
      instance: `rebalance-down-b-${run}`,
      log: pino({ level: 'silent' }),
      store: { name: 'redis', apply: (events) => working.apply(events.filter((e) => ours.has(e.userId))) },
    });
    runners.push(b);
    const t0 = Date.now();
    await b.start();
    const joinedMs = Date.now() - t0;
    await until('both with partitions', 30_000, () => (a.partitions.length > 0 && b.partitions.length > 0 ? true : undefined));
    const rebalancedMs = Date.now() - t0;
    storeDown = false;
    await until('every event in the model', 60_000, () => caughtUp(last));
    console.log(
      `[rebalance store-down] B joined after ${joinedMs} ms, both with partitions after ${rebalancedMs} ms (A [${a.partitions.join(', ')}], B [${b.partitions.join(', ')}]); ` +
        `A retried its store ${a.stats.storeRetries} times; applied A ${a.stats.applied} + B ${b.stats.applied} of ${users.length * 5}`,
    );
    // Within the heartbeat interval and a rejoin, far below the rebalance timeout (15 s) an evicted member would have taken.
    expect(rebalancedMs).toBeLessThan(12_000);
    expect(a.stats.applied + b.stats.applied).toBe(users.length * 5);
    for (const u of users) {
      const w = await redis.hgetall(userKeys(u).wallet);
      expect({ seq: Number(w.seq), balance: Number(w.balance) }).toEqual(last.get(u));
    }
  });
});
