/**
 * POST /v1/points/expiry-notices against the real MariaDB, in-process with a clock of the
 * test's own (in 2090: no lot of another test's real clock expires there, and the stack's
 * maintenance runs never expire these lots under the test). What gets a notice: lots
 * inside the window with points left (partly used: what is left; held points are not
 * left), not lots outside it, spent, revoked, lapsed or pending before availableAt (a
 * due pending lot is active and gets one); one notice per lot and window however often
 * and however concurrently it runs; another window notices again; 400 for a bad window.
 *
 * The window may also hold a stray lot of another test (a random validity of decades), so
 * the answers are checked against the notice rows the run made (created_at is the run's
 * clock), and the rows of this test's users one by one. The outbox rows are deleted in
 * their transaction (ADR 0004): what reached points.notices is expiry-notices.e2e's.
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/app.ts';
import { testUser } from '../../testing/users.ts';
import { sendExpiryNotices } from '../src/notices/expiry-notices.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
type Json = Record<string, any>;

/** The test's clock: a moment of its own in 2090 (a random day, so that runs of this file do not share windows). */
const T0 = Date.UTC(2090, 0, 1) + Math.floor(Math.random() * 300) * DAY + Math.floor(Math.random() * DAY);
let now = T0;
let t: TestApi;

beforeAll(async () => {
  t = await startTestApi({ clock: () => now });
});
afterAll(async () => {
  await t?.close();
});

async function post(url: string, body: unknown, auth: string, key = randomUUID()): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { authorization: auth, 'idempotency-key': key },
    ...(body === undefined ? {} : { payload: body as object }),
  });
}
async function ok(res: LightMyRequestResponse, status = 201): Promise<Json> {
  expect(res.statusCode, res.body).toBe(status);
  return res.json() as Json;
}
const iso = (ms: number) => new Date(ms).toISOString();
const grant = async (userId: string, amount: number, expiresAt: number, extra: Json = {}) =>
  (await ok(await post('/v1/points/grants', { userId, amount, expiresAt: iso(expiresAt), reason: 'notice test', ...extra }, t.auth.write))).grantId as string;
const notices = (withinDays?: number, auth = t.auth.admin) => post('/v1/points/expiry-notices', withinDays === undefined ? {} : { withinDays }, auth);

interface NoticeRow {
  notice_id: string;
  user_id: string;
  grant_id: string;
  within_days: number;
  amount: number;
  expires_at: Date;
  created_at: Date;
}

/** The notice rows of these users, on their shards, in grant order. */
async function rowsOf(users: string[]): Promise<NoticeRow[]> {
  const all = (await t.onEveryShard((db) => db('expiry_notice').whereIn('user_id', users))) as NoticeRow[];
  return all
    .map((r) => ({ ...r, amount: Number(r.amount), within_days: Number(r.within_days) }))
    .sort((a, b) => a.grant_id.localeCompare(b.grant_id) || a.within_days - b.within_days);
}

/** What the runs at `at` made, over every shard: the answer they must sum to. */
async function madeAt(at: number, withinDays: number): Promise<{ notices: number; users: number; points: number }> {
  const rows = (await t.onEveryShard((db) => db('expiry_notice').where({ created_at: new Date(at), within_days: withinDays }))) as NoticeRow[];
  return { notices: rows.length, users: new Set(rows.map((r) => r.user_id)).size, points: rows.reduce((s, r) => s + Number(r.amount), 0) };
}

describe('expiry notices', () => {
  // Users and lots of the first window (7 days at T0), made at T0.
  const a = testUser('notice-a');
  const b = testUser('notice-b');
  const c = testUser('notice-c');
  const d = testUser('notice-d');
  const e = testUser('notice-e');
  const users = [a, b, c, d, e];
  const lot: Record<string, string> = {};

  beforeAll(async () => {
    now = T0;
    lot.inside = await grant(a, 1000, T0 + 2 * DAY);
    lot.outside = await grant(a, 400, T0 + 20 * DAY);
    lot.edge = await grant(a, 50, T0 + 7 * DAY); // exactly at the window's end: inside
    lot.pastEdge = await grant(a, 60, T0 + 7 * DAY + HOUR); // outside until the window has moved an hour
    lot.spent = await grant(b, 100, T0 + DAY);
    lot.partly = await grant(b, 500, T0 + 3 * DAY);
    // FIFO: the use spends the earliest lot (spent) whole, then 200 of partly.
    await ok(await post('/v1/points/uses', { userId: b, amount: 300 }, t.auth.write));
    lot.held = await grant(c, 1000, T0 + 4 * DAY);
    // Holds of 24 h: active in every run below (the last is 2 h after T0).
    await ok(await post('/v1/points/holds', { userId: c, amount: 400, ttlSeconds: 86_400 }, t.auth.write));
    lot.wholeHeld = await grant(e, 100, T0 + 5 * DAY);
    await ok(await post('/v1/points/holds', { userId: e, amount: 100, ttlSeconds: 86_400 }, t.auth.write));
    lot.pending = await grant(d, 800, T0 + 5 * DAY, { availableAt: iso(T0 + HOUR) });
    lot.revoked = await grant(d, 70, T0 + 2 * DAY);
    await ok(await post(`/v1/points/grants/${lot.revoked}/revocations`, { reason: 'fraud' }, t.auth.write));
  });

  it('sends one notice per lot inside the window with points left, for what is left', async () => {
    // At T0 itself: the window (T0, T0 + 7 days] holds edge, not pastEdge.
    now = T0;
    const answer = await ok(await notices(7), 200);
    expect(answer).toEqual(await madeAt(now, 7));

    const rows = await rowsOf(users);
    const expected = [
      { grant: lot.inside, user: a, amount: 1000, expiresAt: T0 + 2 * DAY },
      { grant: lot.edge, user: a, amount: 50, expiresAt: T0 + 7 * DAY },
      { grant: lot.partly, user: b, amount: 300, expiresAt: T0 + 3 * DAY },
      { grant: lot.held, user: c, amount: 600, expiresAt: T0 + 4 * DAY },
    ].sort((x, y) => x.grant!.localeCompare(y.grant!));
    expect(rows.map((r) => ({ grant: r.grant_id, user: r.user_id, amount: r.amount, expiresAt: r.expires_at.getTime() }))).toEqual(expected);
    for (const r of rows) {
      expect(r.within_days).toBe(7);
      expect(r.created_at.getTime()).toBe(now);
      // On the lot's shard, and its id names that shard (ADR 0011).
      expect(t.shards.ofId(r.notice_id)).toBe(t.shards.ofId(r.grant_id));
    }
    // These users' part of the answer is in it.
    expect(answer.notices).toBeGreaterThanOrEqual(4);
    expect(answer.points).toBeGreaterThanOrEqual(1000 + 50 + 300 + 600);
    expect(answer.users).toBeGreaterThanOrEqual(3);
  });

  it('sends nothing again for the same window', async () => {
    const before = await rowsOf(users);
    now = T0 + 2000;
    const answer = await ok(await notices(7), 200);
    expect(answer).toEqual(await madeAt(now, 7));
    expect(await rowsOf(users)).toEqual(before);
  });

  it('a pending lot gets its notice once its availableAt has passed, before anything activates it; a lapsed lot gets none', async () => {
    // Two hours on: the pending lot is due (not activated: no command, no maintenance run),
    // the window now reaches pastEdge, and lapsing has lapsed (not swept).
    const lapsing = await grant(e, 90, T0 + 2 * HOUR);
    now = T0 + 2 * HOUR + 5000;
    const answer = await ok(await notices(7), 200);
    expect(answer).toEqual(await madeAt(now, 7));
    const fresh = (await rowsOf(users)).filter((r) => r.created_at.getTime() === now);
    const expected = [
      { grant: lot.pending, amount: 800 },
      { grant: lot.pastEdge, amount: 60 },
    ].sort((x, y) => x.grant!.localeCompare(y.grant!));
    expect(fresh.map((r) => ({ grant: r.grant_id, amount: r.amount }))).toEqual(expected);
    expect((await t.dbOf(d)('point_lots').where({ grant_id: lot.pending }).first()).pending).toBe(1);
    expect((await rowsOf([e])).map((r) => r.grant_id)).not.toContain(lapsing);
  });

  it('another window sends new notices, once', async () => {
    now = T0 + 2 * HOUR + 6000;
    const answer = await ok(await notices(30), 200);
    expect(answer).toEqual(await madeAt(now, 30));
    const rows = (await rowsOf(users)).filter((r) => r.within_days === 30);
    // Open lots within 30 days: inside, outside, edge, pastEdge (a), partly (b), held (c), pending (d, due).
    const expected = [
      [lot.inside, 1000],
      [lot.outside, 400],
      [lot.edge, 50],
      [lot.pastEdge, 60],
      [lot.partly, 300],
      [lot.held, 600],
      [lot.pending, 800],
    ].sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    expect(rows.map((r) => [r.grant_id, r.amount])).toEqual(expected);
    now = T0 + 2 * HOUR + 7000;
    expect(await ok(await notices(30), 200)).toEqual(await madeAt(now, 30));
    expect((await rowsOf(users)).filter((r) => r.within_days === 30)).toEqual(rows);
  });
});

describe('expiry notices at once', () => {
  it('two runs at once notice each lot once in total, and their answers sum to what was made', async () => {
    const us = [testUser('notice-race-1'), testUser('notice-race-2'), testUser('notice-race-3')];
    const base = T0 + 40 * DAY;
    now = base;
    const grants: string[] = [];
    for (const [i, u] of us.entries()) {
      for (let j = 0; j < 8; j++) grants.push(await grant(u, 10 + i * 10 + j, base + (1 + (j % 3)) * DAY));
    }
    now = base + 1000;
    const [x, y] = await Promise.all([notices(14), notices(14)]);
    const ax = await ok(x, 200);
    const ay = await ok(y, 200);
    const made = await madeAt(now, 14);
    expect(ax.notices + ay.notices).toBe(made.notices);
    expect(ax.points + ay.points).toBe(made.points);
    const rows = await rowsOf(us);
    expect(rows.map((r) => r.grant_id).sort()).toEqual([...grants].sort());
    expect(rows.every((r) => r.within_days === 14)).toBe(true);
  });

  it('runs of small chunks at once, over lots of one expiry (the page cursor breaks ties by grant), still notice each lot once', async () => {
    const us = [testUser('notice-chunk-1'), testUser('notice-chunk-2')];
    const base = T0 + 60 * DAY;
    now = base;
    const grants: string[] = [];
    for (const u of us) for (let j = 0; j < 7; j++) grants.push(await grant(u, 5 + j, base + 2 * DAY));
    const at = base + 1000;
    const run = (chunk: number) =>
      sendExpiryNotices({ shards: t.shards, schemaId: t.noticeSchemaId, topic: t.config.kafka.noticesTopic, log: () => {} }, 3, at, chunk);
    const results = await Promise.all([run(1), run(2), run(3), run(2)]);
    const made = await madeAt(at, 3);
    expect(results.reduce((s, r) => s + r.notices, 0)).toBe(made.notices);
    expect(results.reduce((s, r) => s + r.points, 0)).toBe(made.points);
    const rows = await rowsOf(us);
    expect(rows.map((r) => r.grant_id).sort()).toEqual([...grants].sort());
    expect(rows.reduce((s, r) => s + r.amount, 0)).toBe(2 * (5 + 6 + 7 + 8 + 9 + 10 + 11));
    const again = await sendExpiryNotices({ shards: t.shards, schemaId: t.noticeSchemaId, topic: t.config.kafka.noticesTopic, log: () => {} }, 3, at + 1, 1);
    expect(again).toEqual(await madeAt(at + 1, 3));
    expect(await rowsOf(us)).toEqual(rows);
  });
});

describe('expiry notices: what is refused', () => {
  it('answers 400 VALIDATION_FAILED naming withinDays for 0, 91, a fraction, a string or none', async () => {
    for (const body of [{ withinDays: 0 }, { withinDays: 91 }, { withinDays: 1.5 }, { withinDays: '7' }, {}]) {
      const res = await post('/v1/points/expiry-notices', body, t.auth.admin);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect((res.json() as Json).error).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'body.withinDays' })] });
    }
    const extra = await post('/v1/points/expiry-notices', { withinDays: 7, asOf: iso(now) }, t.auth.admin);
    expect(extra.statusCode).toBe(400);
    const none = await t.app.inject({ method: 'POST', url: '/v1/points/expiry-notices', headers: { authorization: t.auth.admin } });
    expect(none.statusCode).toBe(400);
    expect((none.json() as Json).error.code).toBe('VALIDATION_FAILED');
  });

  it('needs the admin scope', async () => {
    const res = await notices(7, t.auth.write);
    expect(res.statusCode).toBe(403);
    expect((res.json() as Json).error.code).toBe('FORBIDDEN');
    const anon = await t.app.inject({ method: 'POST', url: '/v1/points/expiry-notices', payload: { withinDays: 7 } });
    expect(anon.statusCode).toBe(401);
  });
});
