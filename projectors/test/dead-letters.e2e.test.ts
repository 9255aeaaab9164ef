/**
 * Dead letters end to end, through the running stack (API, Kafka, both projector
 * services, Redis, ClickHouse): GET /v1/pipeline/dead-letters lists what the projectors
 * dead-lettered, and POST /v1/pipeline/dead-letters/redrive makes the projector itself
 * give its letters to its store again, each event applied once, never twice.
 *
 * "After a fix" is staged without leaving anything MySQL does not have (make verify and
 * the rebuilds compare the read models with MySQL and the topic): a real command writes
 * event E to MySQL and points.events, and the projectors apply it; the test then takes E
 * out of one read model again (the user's Redis keys, or the user's ClickHouse rows by a
 * mutation) and writes E's message to the dead-letter topic with the headers a projector
 * writes, as an older projector version that could not read it would have. The model now
 * misses exactly what the letter holds; the redrive must put it back once.
 *
 * The dead-letter topic holds letters of earlier runs and of other tests: every assertion
 * is on this test's own users' letters (the list's key filter), and `applied` is exact
 * because no other letter can apply (the others are poison, or applied before).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Producer } from 'kafkajs';
import { quote, type ClickHouse } from '../../common/src/clickhouse.ts';
import { createRedis, type RedisClient } from '../../common/src/redis.ts';
import { encodePointEvent } from '../../schemas/event-codec.ts';
import { pointEvent } from '../../schemas/point-event.ts';
import type { DeadLetterItem, DeadLetterPage, RedriveAnswer } from '../../schemas/dead-letter-answers.ts';
import { connectStackApi, testUser, type StackApi } from '../../testing/api.ts';
import { collect, endOffsets, testKafka, type Received } from '../../testing/kafka.ts';
import { clickhouseFrom, onEveryServer } from '../clickhouse/client.ts';
import { localEventsTable } from '../clickhouse/schema.ts';
import { recordKey, userKeys } from '../redis/keys.ts';

let api: StackApi;
let redis: RedisClient;
let ch: ClickHouse;
let producer: Producer;

beforeAll(async () => {
  api = await connectStackApi();
  redis = createRedis(api.config);
  ch = clickhouseFrom(api.config, 'writer');
  producer = testKafka('tests-dead-letters').producer();
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
  await ch?.close();
  redis?.disconnect();
  await api?.close();
});

const admin = () => ({ authorization: api.auth.admin });

/** Every letter with this key, through the API, page after page (limit 1 walks the cursor too). */
async function lettersOf(key: string, limit = 500, projector?: string): Promise<DeadLetterItem[]> {
  const items: DeadLetterItem[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const q = new URLSearchParams({ key, limit: String(limit), ...(projector ? { projector } : {}), ...(cursor ? { cursor } : {}) });
    const r = await api.app.inject({ method: 'GET', url: `/v1/pipeline/dead-letters?${q}`, headers: admin() });
    expect(r.statusCode, r.body).toBe(200);
    const page = r.json<DeadLetterPage>();
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('more than 100 pages');
}

/** Waits until `count` letters with this key are listed. */
async function waitForLetters(key: string, count: number): Promise<DeadLetterItem[]> {
  const until = Date.now() + 30_000;
  for (;;) {
    const items = await lettersOf(key);
    if (items.length >= count || Date.now() > until) return items;
    await sleep(300);
  }
}

async function redrive(projector: string, extra: Record<string, unknown> = {}): Promise<RedriveAnswer> {
  const r = await api.app.inject({ method: 'POST', url: '/v1/pipeline/dead-letters/redrive', headers: admin(), payload: { projector, ...extra } });
  expect(r.statusCode, r.body).toBe(200);
  const a = r.json<RedriveAnswer>();
  expect(a.redriven).toBe(a.applied + a.alreadyApplied + a.stillFailing);
  expect(a.projector).toBe(projector);
  return a;
}

async function balanceOf(userId: string): Promise<{ balance: number; seq: number }> {
  const r = await api.app.inject({ method: 'GET', url: `/v1/users/${userId}/balance`, headers: { authorization: api.auth.read } });
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
}

/** ClickHouse rows of the user: all of them (copies too) and as exact reads see them (FINAL). */
async function clickhouseRows(userId: string): Promise<{ raw: number; final: number; amount: number }> {
  const [a] = await ch.query<{ n: string }>(`SELECT count() AS n FROM events WHERE userId = ${quote(userId)}`);
  const [b] = await ch.query<{ n: string; s: string }>(`SELECT count() AS n, sum(amount) AS s FROM events FINAL WHERE userId = ${quote(userId)}`);
  return { raw: Number(a!.n), final: Number(b!.n), amount: Number(b!.s) };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** A grant through the API, applied by both projectors; its message as it is on points.events. */
async function grantApplied(userId: string, amount: number): Promise<{ grantId: string; message: Received }> {
  const from = await endOffsets(api.config.kafka.pointsTopic);
  const r = await api.app.inject({
    method: 'POST',
    url: '/v1/points/grants',
    headers: { authorization: api.auth.write, 'idempotency-key': `${userId}-grant` },
    payload: { userId, amount, validDays: 30, reason: 'dead-letter test' },
  });
  expect(r.statusCode, r.body).toBe(201);
  const [message] = await collect(api.config.kafka.pointsTopic, from, (got) => got.some((m) => m.key === userId), 30_000).then((got) =>
    got.filter((m) => m.key === userId),
  );
  expect(message, 'the grant reached points.events').toBeDefined();
  const b = await api.app.inject({ method: 'GET', url: `/v1/users/${userId}/balance?minSeq=1&waitMs=10000`, headers: { authorization: api.auth.read } });
  expect(b.json()).toMatchObject({ balance: amount, seq: 1 });
  await waitFor('the grant in ClickHouse', async () => (await clickhouseRows(userId)).final === 1);
  return { grantId: r.json().grantId, message: message! };
}

/** Takes the user's state out of Redis again: the model misses the grant. */
async function forgetInRedis(userId: string, grantId: string): Promise<void> {
  const k = userKeys(userId);
  await redis.del(k.wallet, k.remaining, k.expiry, k.history, k.holds, recordKey(userId, 'grant', grantId));
  expect(await balanceOf(userId)).toMatchObject({ balance: 0, seq: 0 });
}

/** Takes the user's rows out of ClickHouse again (a mutation on every server, waited for). */
async function forgetInClickHouse(userId: string): Promise<void> {
  const db = api.config.clickhouse.database;
  await onEveryServer(api.config, db, async (server) => {
    await server.exec(`ALTER TABLE ${localEventsTable(api.config)} DELETE WHERE userId = ${quote(userId)}`);
  });
  await waitFor('the delete mutation', async () => {
    let pending = 0;
    await onEveryServer(api.config, db, async (server) => {
      const [r] = await server.query<{ n: string }>(`SELECT count() AS n FROM system.mutations WHERE database = ${quote(db)} AND is_done = 0`);
      pending += Number(r!.n);
    });
    return pending === 0;
  });
  expect(await clickhouseRows(userId)).toMatchObject({ raw: 0, final: 0 });
}

/** Writes a letter as run-projector.ts's deadLetter() does; answers its offset in the dead-letter topic. */
async function writeLetter(
  projector: string,
  m: { key: string; value: Buffer; partition: number; offset: number | string },
  reason: string,
): Promise<{ dlqPartition: number; dlqOffset: number }> {
  const [meta] = await producer.send({
    topic: api.config.kafka.dlqTopic,
    acks: -1,
    messages: [
      {
        key: m.key,
        value: m.value,
        headers: {
          'dlq.reason': reason,
          'dlq.projector': projector,
          'dlq.topic': api.config.kafka.pointsTopic,
          'dlq.partition': String(m.partition),
          'dlq.offset': String(m.offset),
          'dlq.at': new Date().toISOString(),
        },
      },
    ],
  });
  return { dlqPartition: meta!.partition, dlqOffset: Number(meta!.baseOffset) };
}

describe('dead letters', () => {
  it('lists a poison message of points.events with its reason for both projectors, page by page; a redrive finds it still failing', async () => {
    const userId = testUser('dlq-poison');
    const value = Buffer.from('definitely not avro');
    const [sent] = await producer.send({ topic: api.config.kafka.pointsTopic, messages: [{ key: userId, value }] });
    const letters = await waitForLetters(userId, 2);
    expect(letters.map((l) => l.projector).sort()).toEqual(['clickhouse', 'redis']);
    for (const l of letters) {
      expect(l).toMatchObject({ key: userId, partition: sent!.partition, offset: Number(sent!.baseOffset), payloadBase64: value.toString('base64') });
      expect(l.reason).toMatch(/magic byte/);
      expect(Date.parse(l.at!)).toBeGreaterThan(Date.now() - 120_000);
    }
    // Oldest first, and a page of one at a time walks the same letters with the cursor.
    expect(letters[0]!.dlqOffset).toBeLessThan(letters[1]!.dlqOffset);
    expect((await lettersOf(userId, 1)).map((l) => l.dlqOffset)).toEqual(letters.map((l) => l.dlqOffset));
    expect((await lettersOf(userId, 500, 'redis')).map((l) => l.projector)).toEqual(['redis']);

    for (const projector of ['redis', 'clickhouse']) {
      const a = await redrive(projector);
      expect(a.stillFailing).toBeGreaterThanOrEqual(1);
      const [mine] = await lettersOf(userId, 500, projector);
      expect(mine!.redrive).toMatchObject({ outcome: 'stillFailing', requestId: a.requestId });
      expect(mine!.redrive!.reason).toMatch(/magic byte/);
    }
  });

  it('refuses a cursor it did not give, a bad limit, an unknown projector, and a key without the admin scope', async () => {
    const get = (url: string, authorization = api.auth.admin) => api.app.inject({ method: 'GET', url, headers: { authorization } });
    for (const url of ['/v1/pipeline/dead-letters?cursor=bm90LWEtY3Vyc29y', '/v1/pipeline/dead-letters?limit=0', '/v1/pipeline/dead-letters?limit=501']) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(400);
      expect(r.json().error.code).toBe('VALIDATION_FAILED');
    }
    expect((await get('/v1/pipeline/dead-letters', api.auth.read)).statusCode).toBe(403);
    const r = await api.app.inject({ method: 'POST', url: '/v1/pipeline/dead-letters/redrive', headers: admin(), payload: { projector: 'mysql' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('redis: after a fix, a redrive applies the letter once; a second redrive applies nothing', async () => {
    const userId = testUser('dlq-redis');
    const { grantId, message } = await grantApplied(userId, 700);
    await forgetInRedis(userId, grantId);
    const at = await writeLetter(
      'redis',
      { key: userId, value: message.value!, partition: message.partition, offset: message.offset },
      'schema id 9999 is unknown to the registry',
    );

    const first = await redrive('redis');
    expect(first.applied).toBe(1);
    expect(first.appliedLetters).toContainEqual({ ...at, key: userId, partition: message.partition, offset: Number(message.offset) });
    expect(await balanceOf(userId)).toMatchObject({ balance: 700, seq: 1 });
    const [listed] = await lettersOf(userId);
    expect(listed!.redrive).toMatchObject({ outcome: 'applied', requestId: first.requestId });

    const second = await redrive('redis');
    expect(second.applied).toBe(0);
    expect(second.skipped).toBeGreaterThanOrEqual(1);
    // Given again on purpose: the seq check finds it applied, and nothing changes.
    const again = await redrive('redis', { includeRedriven: true });
    expect(again.applied).toBe(0);
    expect(again.alreadyApplied).toBeGreaterThanOrEqual(1);
    expect((await lettersOf(userId))[0]!.redrive).toMatchObject({ outcome: 'alreadyApplied', requestId: again.requestId });
    expect(await balanceOf(userId)).toMatchObject({ balance: 700, seq: 1 });
    const h = await api.app.inject({ method: 'GET', url: `/v1/users/${userId}/history`, headers: { authorization: api.auth.read } });
    expect(h.json().items).toHaveLength(1);
  });

  it('clickhouse: after a fix, a redrive applies the letter once (flushed before it answers); a second redrive applies nothing', async () => {
    const userId = testUser('dlq-ch');
    const { message } = await grantApplied(userId, 500);
    await forgetInClickHouse(userId);
    await writeLetter(
      'clickhouse',
      { key: userId, value: message.value!, partition: message.partition, offset: message.offset },
      'schema id 9999 is unknown to the registry',
    );

    const first = await redrive('clickhouse');
    expect(first.applied).toBe(1);
    expect(first.appliedLetters.map((l) => l.key)).toContain(userId);
    // In ClickHouse when the answer came, and once: one row, not a copy folded by FINAL.
    expect(await clickhouseRows(userId)).toEqual({ raw: 1, final: 1, amount: 500 });

    expect((await redrive('clickhouse')).applied).toBe(0);
    expect((await redrive('clickhouse', { includeRedriven: true })).applied).toBe(0);
    expect(await clickhouseRows(userId)).toEqual({ raw: 1, final: 1, amount: 500 });
  });

  it('two redrives at once: one applies the letter, the other nothing (they run one after the other)', async () => {
    const userId = testUser('dlq-twice');
    const { grantId, message } = await grantApplied(userId, 300);
    await forgetInRedis(userId, grantId);
    await writeLetter('redis', { key: userId, value: message.value!, partition: message.partition, offset: message.offset }, 'a projector bug, fixed since');

    const both = await Promise.all([redrive('redis'), redrive('redis')]);
    expect(both.map((a) => a.applied).sort()).toEqual([0, 1]);
    expect(new Set(both.map((a) => a.requestId)).size).toBe(2);
    expect(await balanceOf(userId)).toMatchObject({ balance: 300, seq: 1 });
  });

  it("a letter beyond the user's next seq (a gap) stays still failing with that reason, and changes nothing", async () => {
    const userId = testUser('dlq-gap');
    const { grantId, message } = await grantApplied(userId, 200);
    // seq 3 while the user is at 1: seq 2 is missing.
    const event = pointEvent({
      eventId: randomUUID(),
      userId,
      seq: 3,
      type: 'POINTS_EXPIRED',
      amount: 200,
      balanceAfter: 0,
      occurredAt: Date.now(),
      grantId,
    });
    const value = encodePointEvent(api.schemaId, event);
    for (const projector of ['redis', 'clickhouse']) {
      await writeLetter(projector, { key: userId, value, partition: message.partition, offset: Number(message.offset) + 1 }, 'a projector bug, fixed since');
      const a = await redrive(projector);
      expect(a.applied).toBe(0);
      const [mine] = await lettersOf(userId, 500, projector);
      expect(mine!.redrive).toMatchObject({ outcome: 'stillFailing', requestId: a.requestId });
      expect(mine!.redrive!.reason).toMatch(/expected seq 2, got 3/);
    }
    expect(await balanceOf(userId)).toMatchObject({ balance: 200, seq: 1 });
    expect(await clickhouseRows(userId)).toMatchObject({ final: 1, amount: 200 });
  });
});
