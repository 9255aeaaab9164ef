/**
 * Expiry notices end to end, through the RUNNING API and pipeline: POST
 * /v1/points/expiry-notices → expiry_notice + outbox rows → Debezium (routed by
 * aggregatetype) → points.notices. Run once, then twice at once: every lot of these users
 * with points left inside the window is on points.notices exactly once, keyed by its user,
 * in the Confluent wire format under the subject points.notices-value, with the fields
 * of its notice row; points.events carries none of them.
 *
 * "Exactly once" is read, not waited for: once every outbox connector has read its
 * database's binlog past the runs (its committed offset, so the messages are in Kafka),
 * everything points.notices received from the offsets recorded before is read.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdcMonitor, compareBinlog } from '../../common/src/cdc-position.ts';
import { EXPIRY_NOTICE_TYPE, type ExpiryNotice, registerExpiryNoticeSchema } from '../../schemas/expiry-notice.ts';
import { connectStackApi, type StackApi, testUser } from '../../testing/api.ts';
import { collect, endOffsets, type Received } from '../../testing/kafka.ts';

const HOUR = 3_600_000;
type Json = Record<string, any>;

let api: StackApi;
beforeAll(async () => {
  api = await connectStackApi();
});
afterAll(async () => api?.close());

let keys = 0;
const post = async (url: string, payload: object, auth = api.auth.write) => {
  const res = await api.app.inject({
    method: 'POST',
    url,
    payload,
    headers: { authorization: auth, 'idempotency-key': `notices-e2e-${Date.now()}-${++keys}` },
  });
  expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(300);
  return res.json() as Json;
};
const grant = async (userId: string, amount: number, expiresAt: number) =>
  (await post('/v1/points/grants', { userId, amount, expiresAt: new Date(expiresAt).toISOString(), reason: 'notices e2e' })).grantId as string;
const runNotices = () => post('/v1/points/expiry-notices', { withinDays: 1 }, api.auth.admin);

/** Waits until every outbox connector has committed a binlog position at or past each database's position now. */
async function cdcPastNow(timeoutMs: number): Promise<void> {
  const cdc = new CdcMonitor(api.config);
  try {
    const targets = await cdc.databasePositions();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lags = await cdc.lag();
      if (lags.every((l, i) => l.state === 'RUNNING' && l.connectorAt && compareBinlog(l.connectorAt, targets[i]!) >= 0)) return;
      if (Date.now() > deadline) throw new Error(`the outbox connectors did not reach the binlog position: ${JSON.stringify(lags)}`);
      await sleep(250);
    }
  } finally {
    await cdc.close();
  }
}

/** Everything `topic` received from `from` up to its end now. */
async function readUpToEnd(topic: string, from: Map<number, string>): Promise<Received[]> {
  const end = await endOffsets(topic);
  const count = [...end].reduce((s, [p, high]) => s + Number(high) - Number(from.get(p) ?? 0), 0);
  const got = count === 0 ? [] : await collect(topic, from, (r) => r.length >= count, 60_000);
  expect(got.length, `${topic}: messages read of ${count}`).toBe(count);
  return got;
}

describe('expiry notices on points.notices', () => {
  it('one record per lot with points left, keyed by its user, however often the run is repeated; none on points.events', async () => {
    const noticesTopic = api.config.kafka.noticesTopic;
    const eventsTopic = api.config.kafka.pointsTopic;
    const [fromNotices, fromEvents] = await Promise.all([endOffsets(noticesTopic), endOffsets(eventsTopic)]);

    const [u1, u2, u3] = [testUser('notice-e2e'), testUser('notice-e2e'), testUser('notice-e2e')];
    const now = Date.now();
    const lots: Record<string, { userId: string; amount: number; expiresAt: number }> = {};
    const lot = async (userId: string, amount: number, expiresAt: number, left = amount) => {
      lots[await grant(userId, amount, expiresAt)] = { userId, amount: left, expiresAt };
    };
    // u1: the use takes 200 of the earliest lot (FIFO): 300 left there.
    await lot(u1, 500, now + 3 * HOUR, 300);
    await lot(u1, 300, now + 5 * HOUR);
    await post('/v1/points/uses', { userId: u1, amount: 200 });
    // u2: the earliest lot spent whole (no notice), the other outside the window.
    const spent = await grant(u2, 100, now + 2 * HOUR);
    const later = await grant(u2, 1000, now + 30 * 24 * HOUR);
    await post('/v1/points/uses', { userId: u2, amount: 100 });
    await lot(u3, 70, now + 20 * HOUR);
    await lot(u3, 80, now + 23 * HOUR);

    const first = await runNotices();
    expect(first.notices).toBeGreaterThanOrEqual(4);
    const [again, atOnce] = await Promise.all([runNotices(), runNotices()]);
    const last = await runNotices();
    for (const r of [again, atOnce, last]) expect(r).toEqual({ notices: expect.any(Number), users: expect.any(Number), points: expect.any(Number) });

    // The notice rows: one per lot with points left, none for the spent lot or the later one.
    const users = [u1, u2, u3];
    const rows = (await api.onEveryShard((db) => db('expiry_notice').whereIn('user_id', users).andWhere({ within_days: 1 }))) as Json[];
    expect(rows.map((r) => r.grant_id).sort()).toEqual(Object.keys(lots).sort());
    expect(rows.map((r) => r.grant_id)).not.toContain(spent);
    expect(rows.map((r) => r.grant_id)).not.toContain(later);

    await cdcPastNow(60_000);
    const onNotices = await readUpToEnd(noticesTopic, fromNotices);
    const mine = onNotices.filter((m) => users.includes(m.key ?? ''));
    expect(mine).toHaveLength(Object.keys(lots).length);

    const registry = new SchemaRegistry({ host: api.config.registry.url });
    const schemaId = await registerExpiryNoticeSchema(api.config.registry.url, `${noticesTopic}-value`);
    expect(await registry.getLatestSchemaId(`${noticesTopic}-value`)).toBe(schemaId);
    const byNotice = new Map(rows.map((r) => [r.notice_id as string, r]));
    const seen = new Set<string>();
    for (const m of mine) {
      expect(m.value!.readUInt8(0)).toBe(0);
      expect(m.value!.readInt32BE(1)).toBe(schemaId);
      const n = (await registry.decode(m.value!)) as ExpiryNotice;
      const row = byNotice.get(n.noticeId);
      expect(row, `notice ${n.noticeId} has its row`).toBeDefined();
      expect(seen.has(n.grantId), `lot ${n.grantId} noticed twice`).toBe(false);
      seen.add(n.grantId);
      const want = lots[n.grantId]!;
      expect(n).toEqual({
        noticeId: row!.notice_id,
        userId: want.userId,
        grantId: n.grantId,
        amount: want.amount,
        expiresAt: want.expiresAt,
        withinDays: 1,
        createdAt: (row!.created_at as Date).getTime(),
      });
      expect(m.key).toBe(want.userId);
      expect(m.headers).toEqual({ id: n.noticeId, eventType: EXPIRY_NOTICE_TYPE, aggregateType: noticesTopic });
    }
    expect([...seen].sort()).toEqual(Object.keys(lots).sort());
    // The topic carries notices only, whoever's.
    expect(onNotices.every((m) => m.headers.eventType === EXPIRY_NOTICE_TYPE)).toBe(true);

    // points.events: these users' events (grants, uses), not one notice.
    const onEvents = await readUpToEnd(eventsTopic, fromEvents);
    expect(onEvents.filter((m) => m.headers.eventType === EXPIRY_NOTICE_TYPE)).toEqual([]);
    expect(onEvents.filter((m) => byNotice.has(m.headers.id ?? ''))).toEqual([]);
    const theirs = onEvents.filter((m) => users.includes(m.key ?? ''));
    expect(theirs.map((m) => m.headers.eventType).sort()).toEqual(
      ['POINTS_GRANTED', 'POINTS_GRANTED', 'POINTS_GRANTED', 'POINTS_GRANTED', 'POINTS_GRANTED', 'POINTS_GRANTED', 'POINTS_USED', 'POINTS_USED'].sort(),
    );
    for (const m of theirs) expect(m.headers.aggregateType).toBe(eventsTopic);
  });
});
