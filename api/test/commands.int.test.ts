/**
 * The command side of API.md through HTTP, against the real MariaDB and schema
 * registry: every command's success answer and what it writes, the worked example,
 * lazy expiry, the event invariants (seq 1..n, balanceAfter, Σ lots = balance), and
 * the public system endpoints.
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/app.ts';
import { testUser } from '../../testing/users.ts';

const DAY = 24 * 3600 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SIGN: Record<string, number> = {
  POINTS_GRANTED: 1,
  POINTS_USED: -1,
  POINTS_USE_CANCELED: 1,
  POINTS_EXPIRED: -1,
  POINTS_REVOKED: -1,
};

let t: TestApi;
/** An app whose clock runs 2 days ahead (lazy expiry). */
let later: TestApi;
/** An app whose clock runs 10 days behind (lots that lapsed in the past, for the expiry run). */
let earlier: TestApi;

beforeAll(async () => {
  [t, later, earlier] = await Promise.all([
    startTestApi(),
    startTestApi({ clock: () => Date.now() + 2 * DAY }),
    startTestApi({ clock: () => Date.now() - 10 * DAY }),
  ]);
});
afterAll(async () => {
  await Promise.all([t?.close(), later?.close(), earlier?.close()]);
});

type Json = Record<string, any>;

async function post(url: string, body?: unknown, opts: { api?: TestApi; auth?: string; key?: string } = {}): Promise<LightMyRequestResponse> {
  const api = opts.api ?? t;
  return api.app.inject({
    method: 'POST',
    url,
    headers: { authorization: opts.auth ?? api.auth.write, 'idempotency-key': opts.key ?? randomUUID() },
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

async function ok(res: LightMyRequestResponse, status = 201): Promise<Json> {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.json() as Json;
}

async function grant(userId: string, amount: number, extra: Json = { validDays: 30 }, api?: TestApi): Promise<Json> {
  return ok(await post('/v1/points/grants', { userId, amount, reason: 'test grant', ...extra }, { api }));
}

async function use(userId: string, amount: number, extra: Json = {}, api?: TestApi): Promise<Json> {
  return ok(await post('/v1/points/uses', { userId, amount, ...extra }, { api }));
}

const n = (v: unknown) => Number(v);

/**
 * The ledger invariants of one user in MySQL: events seq 1..n without gaps, each
 * balance_after the running sum of the signed amounts, wallet balance and seq those
 * of the last event, Σ lots.remaining = balance, no outbox row left behind.
 */
async function checkLedger(userId: string) {
  const wallet = await t.dbOf(userId)('point_wallets').where({ user_id: userId }).first();
  const events = await t.dbOf(userId)('point_events').where({ user_id: userId }).orderBy('seq');
  const lots = await t.dbOf(userId)('point_lots').where({ user_id: userId });
  expect(wallet, `wallet of ${userId}`).toBeDefined();
  expect(events.map((e) => n(e.seq))).toEqual(events.map((_, i) => i + 1));
  let balance = 0;
  for (const e of events) {
    expect(n(e.amount)).toBeGreaterThan(0);
    balance += SIGN[e.type as string]! * n(e.amount);
    expect(n(e.balance_after), `balance_after of seq ${e.seq}`).toBe(balance);
    expect(balance).toBeGreaterThanOrEqual(0);
  }
  expect(n(wallet.balance)).toBe(balance);
  expect(n(wallet.seq)).toBe(events.length);
  expect(lots.reduce((s, l) => s + n(l.remaining), 0)).toBe(n(wallet.balance));
  for (const l of lots) expect(n(l.is_open)).toBe(n(l.remaining) > 0 ? 1 : 0);
  const outbox = await t.dbOf(userId)('point_event_outbox').where({ aggregateid: userId }).count({ c: '*' });
  expect(n(outbox[0]!.c)).toBe(0);
  return { wallet, events, lots };
}

/** An answer's seq and balance are those of the event row at that seq. */
async function answerMatchesEvents(userId: string, answer: Json) {
  const e = await t.dbOf(userId)('point_events').where({ user_id: userId, seq: answer.seq }).first();
  expect(e, `event seq ${answer.seq}`).toBeDefined();
  expect(n(e.balance_after)).toBe(answer.balance);
  const main = await t.dbOf(answer.eventId)('point_events').where({ event_id: answer.eventId }).first();
  expect(main.user_id).toBe(userId);
}

describe('POST /v1/points/grants', () => {
  it('201 with validDays: a lot, a GRANTED event and the wallet', async () => {
    const userId = testUser('grant');
    const before = Date.now();
    const res = await post('/v1/points/grants', { userId, amount: 1000, validDays: 10, reason: 'welcome', source: 'signup' });
    const after = Date.now();
    const body = await ok(res);
    expect(Object.keys(body).sort()).toEqual(['availableAt', 'balance', 'eventId', 'expiresAt', 'grantId', 'held', 'pending', 'seq', 'state', 'userId']);
    expect(body.grantId).toMatch(UUID);
    expect(body.eventId).toMatch(UUID);
    expect(body).toMatchObject({ userId, seq: 1, balance: 1000 });
    const exp = Date.parse(body.expiresAt);
    expect(exp).toBeGreaterThanOrEqual(before + 10 * DAY);
    expect(exp).toBeLessThanOrEqual(after + 10 * DAY);
    expect(body.expiresAt).toBe(new Date(exp).toISOString());
    expect(res.headers['idempotent-replayed']).toBeUndefined();

    const lot = await t.dbOf(body.grantId)('point_lots').where({ grant_id: body.grantId }).first();
    expect(lot).toMatchObject({ user_id: userId, reason: 'welcome', source: 'signup' });
    expect(n(lot.amount)).toBe(1000);
    expect(n(lot.remaining)).toBe(1000);
    expect(n(lot.grant_seq)).toBe(1);
    expect(n(lot.revoked)).toBe(0);
    expect((lot.expires_at as Date).getTime()).toBe(exp);
    const ev = await t.dbOf(body.eventId)('point_events').where({ event_id: body.eventId }).first();
    expect(ev).toMatchObject({ user_id: userId, type: 'POINTS_GRANTED', grant_id: body.grantId, reason: 'welcome', source: 'signup' });
    expect(n(ev.seq)).toBe(1);
    expect(n(ev.amount)).toBe(1000);
    expect(n(ev.balance_after)).toBe(1000);
    expect((ev.expires_at as Date).getTime()).toBe(exp);
    const { wallet } = await checkLedger(userId);
    expect(n(wallet.balance)).toBe(1000);
  });

  it('201 with expiresAt: the lot expires exactly then', async () => {
    const userId = testUser('grant');
    const expiresAt = new Date(Math.floor((Date.now() + 45 * DAY) / 1000) * 1000 + 123).toISOString();
    const body = await grant(userId, 250, { expiresAt });
    expect(body).toMatchObject({ userId, seq: 1, balance: 250, expiresAt });
    const lot = await t.dbOf(body.grantId)('point_lots').where({ grant_id: body.grantId }).first();
    expect((lot.expires_at as Date).toISOString()).toBe(expiresAt);
    expect(n(lot.remaining)).toBe(250);
    await checkLedger(userId);
  });

  it('201 without expiresAt or validDays: valid for 365 days', async () => {
    const userId = testUser('grant');
    const before = Date.now();
    const body = await grant(userId, 7, {});
    const after = Date.now();
    const exp = Date.parse(body.expiresAt);
    expect(exp).toBeGreaterThanOrEqual(before + 365 * DAY);
    expect(exp).toBeLessThanOrEqual(after + 365 * DAY);
    const lot = await t.dbOf(body.grantId)('point_lots').where({ grant_id: body.grantId }).first();
    expect((lot.expires_at as Date).getTime()).toBe(exp);
    expect(lot.source).toBeNull();
    await checkLedger(userId);
  });

  it('a second grant numbers on: seq 2, balance the sum', async () => {
    const userId = testUser('grant');
    await grant(userId, 100);
    const second = await grant(userId, 1_000_000_000);
    expect(second).toMatchObject({ seq: 2, balance: 1_000_000_100 });
    await answerMatchesEvents(userId, second);
    await checkLedger(userId);
  });

  it('replays the same key and body: the first answer, Idempotent-Replayed, nothing written', async () => {
    const userId = testUser('grant');
    const key = `k-${randomUUID()}`;
    const body = { userId, amount: 40, validDays: 3, reason: 'r' };
    const first = await post('/v1/points/grants', body, { key });
    const again = await post('/v1/points/grants', { reason: 'r', validDays: 3, amount: 40, userId }, { key });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again.json()).toEqual(first.json());
    const { events, lots } = await checkLedger(userId);
    expect(events).toHaveLength(1);
    expect(lots).toHaveLength(1);
  });
});

describe('POST /v1/points/uses', () => {
  it('201 with allocations, earliest expiry first; uses and allocations rows', async () => {
    const userId = testUser('use');
    const late = await grant(userId, 200, { validDays: 20 });
    const soon = await grant(userId, 300, { validDays: 10 });
    const res = await post('/v1/points/uses', { userId, amount: 400, orderId: 'order-1', reason: 'checkout' });
    const body = await ok(res);
    expect(Object.keys(body).sort()).toEqual(['allocations', 'balance', 'eventId', 'held', 'pending', 'seq', 'useId', 'userId']);
    expect(body.useId).toMatch(UUID);
    expect(body).toMatchObject({ userId, seq: 3, balance: 100 });
    expect(body.allocations).toEqual([
      { grantId: soon.grantId, amount: 300 },
      { grantId: late.grantId, amount: 100 },
    ]);

    const u = await t.dbOf(body.useId)('point_uses').where({ use_id: body.useId }).first();
    expect(u).toMatchObject({ user_id: userId, order_id: 'order-1', reason: 'checkout' });
    expect(n(u.amount)).toBe(400);
    expect(n(u.canceled)).toBe(0);
    const allocs = await t.dbOf(body.useId)('point_use_allocations').where({ use_id: body.useId }).orderBy('amount', 'desc');
    expect(allocs.map((a) => [a.grant_id, n(a.amount), n(a.restored)])).toEqual([
      [soon.grantId, 300, 0],
      [late.grantId, 100, 0],
    ]);
    const ev = await t.dbOf(body.eventId)('point_events').where({ event_id: body.eventId }).first();
    expect(ev).toMatchObject({ type: 'POINTS_USED', use_id: body.useId, order_id: 'order-1' });
    expect(JSON.parse(ev.allocations as string)).toEqual(body.allocations);
    const { lots } = await checkLedger(userId);
    const byId = new Map(lots.map((l) => [l.grant_id as string, l]));
    expect(n(byId.get(soon.grantId)!.remaining)).toBe(0);
    expect(n(byId.get(soon.grantId)!.is_open)).toBe(0);
    expect(n(byId.get(late.grantId)!.remaining)).toBe(100);
    await answerMatchesEvents(userId, body);
  });

  it('equal expiry: the oldest grant gives first', async () => {
    const userId = testUser('use');
    const expiresAt = new Date(Date.now() + 7 * DAY).toISOString();
    const a = await grant(userId, 50, { expiresAt });
    const b = await grant(userId, 50, { expiresAt });
    const body = await use(userId, 60);
    expect(body.allocations).toEqual([
      { grantId: a.grantId, amount: 50 },
      { grantId: b.grantId, amount: 10 },
    ]);
    await checkLedger(userId);
  });

  it('the whole balance can be used: balance 0', async () => {
    const userId = testUser('use');
    const g = await grant(userId, 123);
    const body = await use(userId, 123);
    expect(body).toMatchObject({ seq: 2, balance: 0, allocations: [{ grantId: g.grantId, amount: 123 }] });
    await checkLedger(userId);
  });
});

describe('POST /v1/points/uses/{useId}/cancellations', () => {
  async function setup() {
    const userId = testUser('cancel');
    const g = await grant(userId, 500);
    const u = await use(userId, 300);
    return { userId, g, u };
  }

  it('201 full cancellation with no body at all', async () => {
    const { userId, g, u } = await setup();
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/points/uses/${u.useId}/cancellations`,
      headers: { authorization: t.auth.write, 'idempotency-key': randomUUID() },
    });
    const body = await ok(res);
    expect(body.cancellationId).toMatch(UUID);
    expect(body.eventId).toMatch(UUID);
    expect(body).toMatchObject({ userId, seq: 3, balance: 500 });
    expect(body.restored.map((r: Json) => ({ grantId: r.grantId, amount: r.amount, expired: r.expired }))).toEqual([
      { grantId: g.grantId, amount: 300, expired: false },
    ]);
    const row = await t.dbOf(u.useId)('point_uses').where({ use_id: u.useId }).first();
    expect(n(row.canceled)).toBe(300);
    const alloc = await t.dbOf(u.useId)('point_use_allocations').where({ use_id: u.useId }).first();
    expect(n(alloc.restored)).toBe(300);
    const ev = await t.dbOf(body.eventId)('point_events').where({ event_id: body.eventId }).first();
    expect(ev).toMatchObject({ type: 'POINTS_USE_CANCELED', use_id: u.useId, cancellation_id: body.cancellationId });
    expect(n(ev.amount)).toBe(300);
    const { lots } = await checkLedger(userId);
    expect(n(lots[0]!.remaining)).toBe(500);
  });

  it('201 full cancellation with {}; a replay of it without a body is the same request', async () => {
    const { userId, g, u } = await setup();
    const key = randomUUID();
    const body = await ok(await post(`/v1/points/uses/${u.useId}/cancellations`, {}, { key }));
    expect(body).toMatchObject({ userId, seq: 3, balance: 500 });
    expect(body.restored).toHaveLength(1);
    expect(body.restored[0]).toMatchObject({ grantId: g.grantId, amount: 300, expired: false });
    const replay = await post(`/v1/points/uses/${u.useId}/cancellations`, undefined, { key });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(body);
    const row = await t.dbOf(u.useId)('point_uses').where({ use_id: u.useId }).first();
    expect(n(row.canceled)).toBe(300);
    const { events } = await checkLedger(userId);
    expect(events).toHaveLength(3);
  });

  it('201 partial cancellation', async () => {
    const { userId, g, u } = await setup();
    const body = await ok(await post(`/v1/points/uses/${u.useId}/cancellations`, { amount: 120, reason: 'one item back' }));
    expect(body).toMatchObject({ userId, seq: 3, balance: 320 });
    expect(body.restored).toEqual([expect.objectContaining({ grantId: g.grantId, amount: 120, expired: false })]);
    const row = await t.dbOf(u.useId)('point_uses').where({ use_id: u.useId }).first();
    expect(n(row.canceled)).toBe(120);
    const ev = await t.dbOf(body.eventId)('point_events').where({ event_id: body.eventId }).first();
    expect(ev.reason).toBe('one item back');
    const { lots } = await checkLedger(userId);
    expect(n(lots[0]!.remaining)).toBe(320);
  });

  it('201 several partial cancellations, latest-expiring lot first, until the use is cancelled in full', async () => {
    const userId = testUser('cancel');
    const g10 = await grant(userId, 100, { validDays: 10 });
    const g20 = await grant(userId, 100, { validDays: 20 });
    const u = await use(userId, 150); // 100 from g10, 50 from g20
    expect(u.allocations).toEqual([
      { grantId: g10.grantId, amount: 100 },
      { grantId: g20.grantId, amount: 50 },
    ]);
    const url = `/v1/points/uses/${u.useId}/cancellations`;
    const c1 = await ok(await post(url, { amount: 30 }));
    expect(c1).toMatchObject({ seq: 4, balance: 80 });
    expect(c1.restored).toEqual([expect.objectContaining({ grantId: g20.grantId, amount: 30, expired: false })]);
    const c2 = await ok(await post(url, { amount: 40 }));
    expect(c2).toMatchObject({ seq: 5, balance: 120 });
    expect(c2.restored.map((r: Json) => [r.grantId, r.amount])).toEqual([
      [g20.grantId, 20],
      [g10.grantId, 20],
    ]);
    const c3 = await ok(await post(url, {}));
    expect(c3).toMatchObject({ seq: 6, balance: 200 });
    expect(c3.restored.map((r: Json) => [r.grantId, r.amount])).toEqual([[g10.grantId, 80]]);
    expect(new Set([c1.cancellationId, c2.cancellationId, c3.cancellationId]).size).toBe(3);

    const row = await t.dbOf(u.useId)('point_uses').where({ use_id: u.useId }).first();
    expect(n(row.canceled)).toBe(150);
    const allocs = await t.dbOf(u.useId)('point_use_allocations').where({ use_id: u.useId });
    expect(Object.fromEntries(allocs.map((a) => [a.grant_id, n(a.restored)]))).toEqual({ [g10.grantId]: 100, [g20.grantId]: 50 });
    const { lots } = await checkLedger(userId);
    expect(lots.map((l) => n(l.remaining))).toEqual([100, 100]);
    for (const c of [c1, c2, c3]) await answerMatchesEvents(userId, c);
  });
});

describe('POST /v1/points/grants/{grantId}/revocations', () => {
  it('201: takes back what remains of the grant', async () => {
    const userId = testUser('revoke');
    const g = await grant(userId, 500);
    const keep = await grant(userId, 40, { validDays: 60 });
    await use(userId, 200); // from g (earliest expiry)
    const res = await post(`/v1/points/grants/${g.grantId}/revocations`, { reason: 'fraud' });
    const body = await ok(res);
    expect(Object.keys(body).sort()).toEqual(['balance', 'eventId', 'grantId', 'held', 'pending', 'revoked', 'seq', 'userId']);
    expect(body).toMatchObject({ grantId: g.grantId, userId, seq: 4, balance: 40, revoked: 300 });
    const lot = await t.dbOf(g.grantId)('point_lots').where({ grant_id: g.grantId }).first();
    expect(n(lot.remaining)).toBe(0);
    expect(n(lot.revoked)).toBe(1);
    expect(n(lot.is_open)).toBe(0);
    const other = await t.dbOf(keep.grantId)('point_lots').where({ grant_id: keep.grantId }).first();
    expect(n(other.remaining)).toBe(40);
    expect(n(other.revoked)).toBe(0);
    const ev = await t.dbOf(body.eventId)('point_events').where({ event_id: body.eventId }).first();
    expect(ev).toMatchObject({ type: 'POINTS_REVOKED', grant_id: g.grantId, reason: 'fraud' });
    expect(n(ev.amount)).toBe(300);
    await checkLedger(userId);
  });

  it('a cancellation after a revocation gives the share back and revokes it again at once', async () => {
    const userId = testUser('revoke');
    const g = await grant(userId, 100);
    const u = await use(userId, 60);
    await ok(await post(`/v1/points/grants/${g.grantId}/revocations`, { reason: 'fraud' }));
    const c = await ok(await post(`/v1/points/uses/${u.useId}/cancellations`, {}));
    expect(c).toMatchObject({ seq: 5, balance: 0 });
    expect(c.restored).toEqual([expect.objectContaining({ grantId: g.grantId, amount: 60, expired: false })]);
    const { events } = await checkLedger(userId);
    expect(events.map((e) => e.type)).toEqual(['POINTS_GRANTED', 'POINTS_USED', 'POINTS_REVOKED', 'POINTS_USE_CANCELED', 'POINTS_REVOKED']);
  });
});

describe('POST /v1/points/expirations', () => {
  it('200 with the admin key: asOf in the past expires what had lapsed by then; a second run expires nothing new', async () => {
    const now = Date.now();
    const a = testUser('sweep');
    const b = testUser('sweep');
    // Granted through an app whose clock is 10 days back: lots that lapsed 9 days ago.
    const aOld = await grant(a, 100, { validDays: 1 }, earlier);
    const aLive = await grant(a, 30, { validDays: 30 }, earlier); // expires in 20 days
    const aRecent = await grant(a, 5, { expiresAt: new Date(now - 12 * 3600 * 1000).toISOString() }, earlier); // lapsed 12 h ago
    const bOld = await grant(b, 70, { validDays: 2 }, earlier);
    await use(b, 20, {}, earlier);

    const asOf = new Date(now - DAY).toISOString();
    const key = randomUUID();
    const first = await ok(await post('/v1/points/expirations', { asOf }, { auth: t.auth.admin, key }), 200);
    expect(Object.keys(first).sort()).toEqual([
      'activatedGrants',
      'activatedPoints',
      'expiredLots',
      'expiredPoints',
      'purgedIdempotencyKeys',
      'releasedHolds',
      'releasedPoints',
      'users',
    ]);
    expect(first.expiredLots).toBeGreaterThanOrEqual(2);
    expect(first.expiredPoints).toBeGreaterThanOrEqual(150);
    expect(first.users).toBeGreaterThanOrEqual(2);

    const expiredOf = async (userId: string) => t.dbOf(userId)('point_events').where({ user_id: userId, type: 'POINTS_EXPIRED' }).orderBy('seq');
    const ea = await expiredOf(a);
    expect(ea.map((e) => [e.grant_id, n(e.amount), n(e.seq)])).toEqual([[aOld.grantId, 100, 4]]);
    expect((ea[0]!.occurred_at as Date).toISOString()).toBe(asOf);
    const eb = await expiredOf(b);
    expect(eb.map((e) => [e.grant_id, n(e.amount), n(e.seq)])).toEqual([[bOld.grantId, 50, 3]]);
    const la = await checkLedger(a);
    expect(n(la.wallet.balance)).toBe(35); // the lot that lapsed after asOf still counts
    const remaining = Object.fromEntries(la.lots.map((l) => [l.grant_id, n(l.remaining)]));
    expect(remaining).toEqual({ [aOld.grantId]: 0, [aLive.grantId]: 30, [aRecent.grantId]: 5 });
    const lb = await checkLedger(b);
    expect(n(lb.wallet.balance)).toBe(0);

    // The same key again: the first answer, replayed.
    const replay = await post('/v1/points/expirations', { asOf }, { auth: t.auth.admin, key });
    expect(replay.statusCode).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first);

    // A second run (new key, same asOf) expires nothing new for these users.
    const second = await ok(await post('/v1/points/expirations', { asOf }, { auth: t.auth.admin }), 200);
    expect(second.expiredLots).toBeGreaterThanOrEqual(0);
    expect(await expiredOf(a)).toHaveLength(1);
    expect(await expiredOf(b)).toHaveLength(1);
    expect(n((await checkLedger(a)).wallet.seq)).toBe(4);
    expect(n((await checkLedger(b)).wallet.seq)).toBe(3);
  });

  it('200 without asOf (now) and without a body: expires every lapsed lot, including recent ones', async () => {
    const a = testUser('sweep');
    const g = await grant(a, 9, { expiresAt: new Date(Date.now() - 3600 * 1000).toISOString() }, earlier);
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/points/expirations',
      headers: { authorization: t.auth.admin, 'idempotency-key': randomUUID() },
    });
    const body = await ok(res, 200);
    expect(body.expiredLots).toBeGreaterThanOrEqual(1);
    const { events, lots } = await checkLedger(a);
    expect(events.map((e) => e.type)).toEqual(['POINTS_GRANTED', 'POINTS_EXPIRED']);
    expect(events[1]!.grant_id).toBe(g.grantId);
    expect(n(lots[0]!.remaining)).toBe(0);
  });
});

describe('the expiry run and later commands', () => {
  it('cancelling a use whose lot the sweep has expired gives the share back and expires it again', async () => {
    const userId = testUser('sweep');
    const g = await grant(userId, 100, { validDays: 1 }, earlier); // lapsed 9 days ago
    const u = await use(userId, 60, {}, earlier);
    await ok(await post('/v1/points/expirations', {}, { auth: t.auth.admin }), 200);
    const lot = await t.dbOf(g.grantId)('point_lots').where({ grant_id: g.grantId }).first();
    expect(n(lot.remaining)).toBe(0);
    expect(n(lot.is_open)).toBe(0);
    const c = await ok(await post(`/v1/points/uses/${u.useId}/cancellations`, { amount: 25 }));
    expect(c).toMatchObject({ seq: 5, balance: 0 });
    expect(c.restored).toEqual([expect.objectContaining({ grantId: g.grantId, amount: 25, expired: true })]);
    const { events } = await checkLedger(userId);
    expect(events.map((e) => [e.type, n(e.amount)])).toEqual([
      ['POINTS_GRANTED', 100],
      ['POINTS_USED', 60],
      ['POINTS_EXPIRED', 40],
      ['POINTS_USE_CANCELED', 25],
      ['POINTS_EXPIRED', 25],
    ]);
    const useRow = await t.dbOf(u.useId)('point_uses').where({ use_id: u.useId }).first();
    expect(n(useRow.canceled)).toBe(25);
  });

  it('three expiry runs at once expire each lapsed lot exactly once', async () => {
    const users = [testUser('sweep'), testUser('sweep'), testUser('sweep')];
    for (const userId of users) {
      await grant(userId, 10, { validDays: 1 }, earlier);
      await grant(userId, 20, { validDays: 2 }, earlier);
    }
    const runs = await Promise.all([1, 2, 3].map(() => post('/v1/points/expirations', {}, { auth: t.auth.admin })));
    for (const r of runs) expect(r.statusCode, r.body).toBe(200);
    for (const userId of users) {
      const { events, wallet } = await checkLedger(userId);
      expect(events.map((e) => [e.type, n(e.amount)])).toEqual([
        ['POINTS_GRANTED', 10],
        ['POINTS_GRANTED', 20],
        ['POINTS_EXPIRED', 10],
        ['POINTS_EXPIRED', 20],
      ]);
      expect(n(wallet.balance)).toBe(0);
    }
  });
});

describe('the worked example (DESIGN.md) through HTTP', () => {
  it('grants 1000/10d and 500/5d, use 1200, partial cancellation 1100', async () => {
    const userId = testUser('worked');
    const g10 = await grant(userId, 1000, { validDays: 10 });
    const g5 = await grant(userId, 500, { validDays: 5 });
    expect(g5).toMatchObject({ seq: 2, balance: 1500 });
    const u = await use(userId, 1200);
    expect(u.allocations).toEqual([
      { grantId: g5.grantId, amount: 500 },
      { grantId: g10.grantId, amount: 700 },
    ]);
    expect(u).toMatchObject({ seq: 3, balance: 300 });
    const c = await ok(await post(`/v1/points/uses/${u.useId}/cancellations`, { amount: 1100 }));
    expect(c).toMatchObject({ seq: 4, balance: 1400 });
    expect(c.restored.map((r: Json) => ({ grantId: r.grantId, amount: r.amount, expired: r.expired }))).toEqual([
      { grantId: g10.grantId, amount: 700, expired: false },
      { grantId: g5.grantId, amount: 400, expired: false },
    ]);
    const lots = await t.dbOf(userId)('point_lots').where({ user_id: userId });
    const remaining = Object.fromEntries(lots.map((l) => [l.grant_id, n(l.remaining)]));
    expect(remaining).toEqual({ [g10.grantId]: 1000, [g5.grantId]: 400 });
    const useRow = await t.dbOf(u.useId)('point_uses').where({ use_id: u.useId }).first();
    expect(n(useRow.canceled)).toBe(1100);
    const { wallet } = await checkLedger(userId);
    expect(n(wallet.balance)).toBe(1400);
    expect(n(wallet.seq)).toBe(4);
  });
});

describe('lazy expiry through HTTP', () => {
  it('a command two days later first expires the lapsed lot; a use does not spend lapsed points', async () => {
    const userId = testUser('lazy');
    const old = await grant(userId, 100, { validDays: 1 });
    const fresh = await grant(userId, 50, { validDays: 10 }, later);
    expect(fresh).toMatchObject({ userId, seq: 3, balance: 50 });
    const events = await t.dbOf(userId)('point_events').where({ user_id: userId }).orderBy('seq');
    expect(events.map((e) => [n(e.seq), e.type, n(e.amount), n(e.balance_after)])).toEqual([
      [1, 'POINTS_GRANTED', 100, 100],
      [2, 'POINTS_EXPIRED', 100, 0],
      [3, 'POINTS_GRANTED', 50, 50],
    ]);
    expect(events[1]!.grant_id).toBe(old.grantId);
    expect(events[2]!.event_id).toBe(fresh.eventId);

    const refused = await post('/v1/points/uses', { userId, amount: 120 }, { api: later });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('INSUFFICIENT_POINTS');
    const spent = await use(userId, 50, {}, later);
    expect(spent.allocations).toEqual([{ grantId: fresh.grantId, amount: 50 }]);
    expect(spent).toMatchObject({ seq: 4, balance: 0 });
    const lot = await t.dbOf(old.grantId)('point_lots').where({ grant_id: old.grantId }).first();
    expect(n(lot.remaining)).toBe(0);
    expect(n(lot.is_open)).toBe(0);
    await checkLedger(userId);
  });

  it('a cancellation gives a lapsed lot its share back and expires it at once', async () => {
    const userId = testUser('lazy');
    const short = await grant(userId, 100, { validDays: 1 });
    const long = await grant(userId, 100, { validDays: 10 });
    const u = await use(userId, 150); // 100 from short, 50 from long
    const c = await ok(await post(`/v1/points/uses/${u.useId}/cancellations`, {}, { api: later }));
    expect(c).toMatchObject({ seq: 5, balance: 100 });
    expect(c.restored.map((r: Json) => ({ grantId: r.grantId, amount: r.amount, expired: r.expired }))).toEqual([
      { grantId: long.grantId, amount: 50, expired: false },
      { grantId: short.grantId, amount: 100, expired: true },
    ]);
    const { events, lots } = await checkLedger(userId);
    expect(events.map((e) => [e.type, e.grant_id ?? null, n(e.amount)])).toEqual([
      ['POINTS_GRANTED', short.grantId, 100],
      ['POINTS_GRANTED', long.grantId, 100],
      ['POINTS_USED', null, 150],
      ['POINTS_USE_CANCELED', null, 150],
      ['POINTS_EXPIRED', short.grantId, 100],
    ]);
    expect(n(lots.find((l) => l.grant_id === short.grantId)!.remaining)).toBe(0);
  });
});

describe('events and wallet stay consistent', () => {
  it('every answer matches its event row; seq 1..n, balance_after, Σ lots = balance', async () => {
    const userId = testUser('events');
    const answers: Json[] = [];
    const g1 = await grant(userId, 400, { validDays: 15 });
    answers.push(g1);
    const g2 = await grant(userId, 600, { validDays: 5 });
    answers.push(g2);
    const u1 = await use(userId, 700);
    answers.push(u1);
    answers.push(await ok(await post(`/v1/points/uses/${u1.useId}/cancellations`, { amount: 250 })));
    answers.push(await use(userId, 50));
    answers.push(await ok(await post(`/v1/points/grants/${g1.grantId}/revocations`, { reason: 'x' })));
    answers.push(await grant(userId, 10));
    expect(answers.map((a) => a.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const a of answers) await answerMatchesEvents(userId, a);
    const { wallet, events } = await checkLedger(userId);
    expect(events.map((e) => e.event_id)).toEqual(answers.map((a) => a.eventId));
    expect(n(wallet.balance)).toBe(answers.at(-1)!.balance);
  });
});

describe('system endpoints', () => {
  it('GET /health answers 200 {status: ok} without a key', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok' });
  });

  it('GET /metrics counts commands and refusals', async () => {
    const refused = await post('/v1/points/uses', { userId: testUser('metrics'), amount: 5 });
    expect(refused.statusCode).toBe(409);
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('ledger_commands_total');
    expect(res.body).toMatch(/ledger_command_refusals_total\{command="use",code="INSUFFICIENT_POINTS"\} [1-9]/);
    expect(res.body).toMatch(/ledger_commands_total\{command="grant",outcome="ok"\} [1-9]/);
  });

  it('GET /docs/json is the OpenAPI document with the five command paths', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as Json;
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of [
      '/v1/points/grants',
      '/v1/points/uses',
      '/v1/points/uses/{useId}/cancellations',
      '/v1/points/grants/{grantId}/revocations',
      '/v1/points/expirations',
    ]) {
      expect(doc.paths[p], p).toBeDefined();
      expect(doc.paths[p].post, p).toBeDefined();
    }
  });
});
