/**
 * The ClickHouse projector end to end: commands through the running API (HTTP) ->
 * MariaDB -> Debezium -> points.events -> a ProjectorRunner with a ClickHouseStore,
 * started here in-process -> ClickHouse. Totals per type must equal MySQL's.
 *
 * Isolation from the running stack: the runner uses a consumer group of its own whose
 * offsets start at the topic's current end, and writes a scratch database. Its store
 * sees only this test's user: other users' events on the topic start mid-history for a
 * fresh model, which the store rightly refuses as gaps (that would stop a partition).
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quote } from '../../common/src/clickhouse.ts';
import { connectStackApi, testUser, type StackApi } from '../../testing/api.ts';
import { testKafka } from '../../testing/kafka.ts';
import { ProjectorRunner, type ProjectorStore } from '../shared/run-projector.ts';
import { historyBefore, totalsPerUserAndType } from './analytics.ts';
import { scratchDatabase, type ScratchDatabase } from './test/scratch-db.ts';
import { ClickHouseStore } from './writer.ts';
import { setTimeout as sleep } from 'node:timers/promises';

let api: StackApi;
let db: ScratchDatabase;
let runner: ProjectorRunner | undefined;
const groupId = `projector-clickhouse-e2e-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const admin = testKafka('tests-clickhouse-e2e').admin();

beforeAll(async () => {
  api = await connectStackApi();
  db = await scratchDatabase();
  await admin.connect();
  // Start the new group at the end of the topic: only what this test writes is read.
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

describe('ClickHouse projector end to end', () => {
  it("projects every event of a user once; totals per type equal MySQL's point_events", async () => {
    const userId = testUser('che2e');
    const store = new ClickHouseStore(db.ch, { maxDelayMs: 200 });
    const onlyThisUser: ProjectorStore = {
      name: store.name,
      apply: (events) => store.apply(events.filter((e) => e.userId === userId)),
    };
    runner = new ProjectorRunner({
      config: api.config,
      groupId,
      store: onlyThisUser,
      log: pino({ level: 'warn' }),
    });
    await runner.start();

    let n = 0;
    const post = async (url: string, payload: object) => {
      const r = await api.app.inject({
        method: 'POST',
        url,
        payload,
        headers: { authorization: api.auth.write, 'idempotency-key': `${userId}-${n++}` },
      });
      expect(r.statusCode, r.body).toBe(201);
      return r.json();
    };
    // Every event type: two grants (one about to lapse), a use, a partial cancellation,
    // a revocation, and a lazy expiry in front of the last grant.
    const a = await post('/v1/points/grants', { userId, amount: 1000, validDays: 30, reason: 'e2e', source: 'e2e-campaign' });
    const lapseAt = Date.now() + 3000;
    await post('/v1/points/grants', { userId, amount: 500, expiresAt: new Date(lapseAt).toISOString(), reason: 'e2e short' });
    const use = await post('/v1/points/uses', { userId, amount: 300, orderId: 'order-1' });
    await post(`/v1/points/uses/${use.useId}/cancellations`, { amount: 100, reason: 'partial refund' });
    await post(`/v1/points/grants/${a.grantId}/revocations`, { reason: 'e2e revoke' });
    await sleep(Math.max(0, lapseAt - Date.now() + 300));
    const last = await post('/v1/points/grants', { userId, amount: 50, validDays: 10, reason: 'e2e last' });
    expect(last.seq).toBe(7); // the lapsed lot expired first, in the same transaction

    // Wait until ClickHouse holds the user's last event.
    let maxSeq = 0;
    for (const started = Date.now(); Date.now() - started < 90_000 && maxSeq < last.seq; await sleep(250)) {
      const [row] = await db.ch.query<{ m: string }>(`SELECT max(seq) AS m FROM events WHERE userId = ${quote(userId)}`);
      maxSeq = Number(row?.m ?? 0);
    }
    expect(maxSeq).toBe(last.seq);

    const [mysqlRows] = (await api
      .dbOf(userId)
      .raw('SELECT type, SUM(amount) AS amount, COUNT(*) AS n FROM point_events WHERE user_id = ? GROUP BY type', [userId])) as unknown as [
      { type: string; amount: unknown; n: unknown }[],
    ];
    const mysql = Object.fromEntries(mysqlRows.map((r) => [`${userId}|${r.type}`, { amount: Number(r.amount), count: Number(r.n) }]));
    expect(Object.keys(mysql).sort()).toEqual(
      ['POINTS_EXPIRED', 'POINTS_GRANTED', 'POINTS_REVOKED', 'POINTS_USED', 'POINTS_USE_CANCELED'].map((t) => `${userId}|${t}`),
    );
    const clickhouse = Object.fromEntries(await totalsPerUserAndType(db.ch, [userId]));
    expect(clickhouse).toEqual(mysql);

    // The rows are the events themselves, in order: ids and balances as MySQL has them.
    const events = await api.dbOf(userId)('point_events').where({ user_id: userId }).orderBy('seq', 'desc').select('event_id', 'seq', 'balance_after');
    const history = await historyBefore(db.ch, userId, last.seq + 1, 100);
    expect(history.map((h) => [h.eventId, h.seq, h.balanceAfter])).toEqual(
      events.map((e: { event_id: string; seq: unknown; balance_after: unknown }) => [e.event_id, Number(e.seq), Number(e.balance_after)]),
    );
    expect(store.stats.inserted).toBe(last.seq);
    expect(runner.stats.applied).toBe(last.seq);
    expect(runner.stats.gapsStopped).toBe(0);
  });
});
