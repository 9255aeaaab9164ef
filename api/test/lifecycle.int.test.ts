/**
 * The order lifecycle of API.md "Additions" through HTTP against the real MariaDB:
 * pending grants and activations, partial revocation, holds (create, capture, release,
 * lapse), `held`/`pending` in the answers and the wallet, the maintenance run's new
 * counts, every new error code with a check that the refused command wrote nothing,
 * and the races: concurrent captures of one hold, a hold and a use for the last points,
 * a capture at the very moment the hold lapses.
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/app.ts';
import { testUser } from '../../testing/users.ts';

const DAY = 24 * 3600 * 1000;
type Json = Record<string, any>;
const n = (v: unknown) => Number(v);

let t: TestApi;
/** An app whose clock is set by the test (lazy steps at a chosen moment). */
let pinned: TestApi;
let pinnedAt = Date.now();
/** An app whose clock runs 10 days behind: holds and pending lots it makes are due in real time. */
let earlier: TestApi;

beforeAll(async () => {
  [t, pinned, earlier] = await Promise.all([startTestApi(), startTestApi({ clock: () => pinnedAt }), startTestApi({ clock: () => Date.now() - 10 * DAY })]);
});
afterAll(async () => {
  await Promise.all([t?.close(), pinned?.close(), earlier?.close()]);
});

async function post(url: string, body?: unknown, opts: { api?: TestApi; key?: string; auth?: string } = {}): Promise<LightMyRequestResponse> {
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
  return res.json() as Json;
}

const grant = async (userId: string, amount: number, extra: Json = {}, api?: TestApi) =>
  ok(await post('/v1/points/grants', { userId, amount, reason: 'order points', validDays: 30, ...extra }, { api }));
const hold = async (userId: string, amount: number, extra: Json = {}, api?: TestApi) =>
  ok(await post('/v1/points/holds', { userId, amount, ...extra }, { api }));

/** What a user has in MySQL: the wallet row and the number of events. */
async function written(userId: string) {
  const db = t.dbOf(userId);
  const wallet = await db('point_wallets').where({ user_id: userId }).first();
  const [count] = await db('point_events').where({ user_id: userId }).count({ c: '*' });
  const holds = await db('point_holds').where({ user_id: userId }).orderBy('held_at');
  const lots = await db('point_lots').where({ user_id: userId }).orderBy('grant_seq');
  return {
    balance: n(wallet?.balance ?? 0),
    held: n(wallet?.held ?? 0),
    pending: n(wallet?.pending ?? 0),
    seq: n(wallet?.seq ?? 0),
    events: n(count?.c),
    holds,
    lots,
  };
}

/** A command refused: the user's rows are the same before and after it. */
async function refusedWithoutWrites(userId: string, send: () => Promise<LightMyRequestResponse>, code: string, status = 409) {
  const before = await written(userId);
  const res = await send();
  expect(res.statusCode, res.body).toBe(status);
  expect((res.json() as Json).error.code).toBe(code);
  expect(await written(userId)).toEqual(before);
}

describe('pending grants', () => {
  it('a grant with availableAt is pending: in `pending`, not spendable, then activated on request', async () => {
    const userId = testUser('pending');
    const availableAt = new Date(Date.now() + 7 * DAY).toISOString();
    const g = await grant(userId, 1000, { availableAt, orderId: 'order-p-1' });
    expect(g).toMatchObject({ userId, seq: 1, balance: 0, held: 0, pending: 1000, state: 'PENDING', availableAt });
    // validDays counts from availableAt.
    expect(Date.parse(g.expiresAt)).toBe(Date.parse(availableAt) + 30 * DAY);
    const lot = (await written(userId)).lots[0]!;
    expect(lot).toMatchObject({ grant_id: g.grantId, order_id: 'order-p-1' });
    expect(n(lot.pending)).toBe(1);

    await refusedWithoutWrites(userId, () => post('/v1/points/uses', { userId, amount: 1 }), 'INSUFFICIENT_POINTS');
    await refusedWithoutWrites(userId, () => post('/v1/points/holds', { userId, amount: 1 }), 'INSUFFICIENT_POINTS');

    const a = await ok(await post(`/v1/points/grants/${g.grantId}/activations`, { reason: 'purchase confirmed' }));
    expect(a).toMatchObject({ grantId: g.grantId, userId, seq: 2, balance: 1000, held: 0, pending: 0, activated: 1000 });
    await refusedWithoutWrites(userId, () => post(`/v1/points/grants/${g.grantId}/activations`, {}), 'NOT_PENDING');
    // An active grant is not pending either.
    const active = await grant(userId, 10);
    await refusedWithoutWrites(userId, () => post(`/v1/points/grants/${active.grantId}/activations`), 'NOT_PENDING');
    expect(await written(userId)).toMatchObject({ balance: 1010, pending: 0, seq: 3 });
  });

  it('a pending grant whose availableAt has come activates first in any command of its user', async () => {
    const userId = testUser('pending-due');
    pinnedAt = Date.now();
    const g = await grant(userId, 500, { availableAt: new Date(pinnedAt + DAY).toISOString() }, pinned);
    expect(g).toMatchObject({ balance: 0, pending: 500 });
    pinnedAt += DAY; // exactly availableAt: due
    const u = await ok(await post('/v1/points/uses', { userId, amount: 200 }, { api: pinned }));
    expect(u).toMatchObject({ seq: 3, balance: 300, pending: 0 });
    const events = await t.dbOf(userId)('point_events').where({ user_id: userId }).orderBy('seq');
    expect(events.map((e) => e.type)).toEqual(['POINTS_GRANT_PENDING', 'POINTS_GRANT_ACTIVATED', 'POINTS_USED']);
    expect(events.map((e) => [n(e.balance_after), n(e.pending_after)])).toEqual([
      [0, 500],
      [500, 0],
      [300, 0],
    ]);
  });

  it('revoking a pending grant voids it: pending goes down, balance does not move', async () => {
    const userId = testUser('pending-revoke');
    await grant(userId, 100);
    const g = await grant(userId, 400, { availableAt: new Date(Date.now() + DAY).toISOString() });
    const r = await ok(await post(`/v1/points/grants/${g.grantId}/revocations`, { reason: 'order cancelled', amount: 150 }));
    expect(r).toMatchObject({ revoked: 150, balance: 100, pending: 250 });
    const all = await ok(await post(`/v1/points/grants/${g.grantId}/revocations`, { reason: 'order cancelled' }));
    expect(all).toMatchObject({ revoked: 250, balance: 100, pending: 0 });
    await refusedWithoutWrites(userId, () => post(`/v1/points/grants/${g.grantId}/activations`), 'NOT_PENDING');
  });

  it('refuses an availableAt in the past or not before expiresAt, writing nothing', async () => {
    const userId = testUser('pending-bad');
    await grant(userId, 1);
    const past = new Date(Date.now() - DAY).toISOString();
    await refusedWithoutWrites(userId, () => post('/v1/points/grants', { userId, amount: 5, reason: 'r', availableAt: past }), 'VALIDATION_FAILED', 400);
    const at = Date.now() + 5 * DAY;
    await refusedWithoutWrites(
      userId,
      () => post('/v1/points/grants', { userId, amount: 5, reason: 'r', availableAt: new Date(at).toISOString(), expiresAt: new Date(at).toISOString() }),
      'VALIDATION_FAILED',
      400,
    );
  });
});

describe('partial revocation', () => {
  it('takes back only the amount; more than remains is REVOKE_EXCEEDS_REMAINING', async () => {
    const userId = testUser('partial-revoke');
    const g = await grant(userId, 1000);
    const r = await ok(await post(`/v1/points/grants/${g.grantId}/revocations`, { reason: 'partial refund', amount: 300 }));
    expect(r).toMatchObject({ grantId: g.grantId, revoked: 300, balance: 700, seq: 2 });
    await refusedWithoutWrites(userId, () => post(`/v1/points/grants/${g.grantId}/revocations`, { reason: 'r', amount: 701 }), 'REVOKE_EXCEEDS_REMAINING');
    const rest = await ok(await post(`/v1/points/grants/${g.grantId}/revocations`, { reason: 'full refund' }));
    expect(rest).toMatchObject({ revoked: 700, balance: 0 });
    await refusedWithoutWrites(userId, () => post(`/v1/points/grants/${g.grantId}/revocations`, { reason: 'again', amount: 1 }), 'ALREADY_REVOKED');
  });
});

describe('holds', () => {
  it('hold 700 of two lots, capture 500: a use of 500 and 200 back to the lot it came from', async () => {
    const userId = testUser('hold');
    const short = await grant(userId, 400, { validDays: 10 });
    const long = await grant(userId, 600, { validDays: 60 });
    const h = await hold(userId, 700, { orderId: 'order-h-1', reason: 'checkout', ttlSeconds: 600 });
    expect(h).toMatchObject({ userId, seq: 3, balance: 300, held: 700, pending: 0 });
    expect(h.allocations).toEqual([
      { grantId: short.grantId, amount: 400 },
      { grantId: long.grantId, amount: 300 },
    ]);
    expect(Date.parse(h.expiresAt) - Date.now()).toBeGreaterThan(590_000);

    // The held points are not spendable.
    await refusedWithoutWrites(userId, () => post('/v1/points/uses', { userId, amount: 301 }), 'INSUFFICIENT_POINTS');
    await refusedWithoutWrites(userId, () => post(`/v1/points/holds/${h.holdId}/captures`, { amount: 701 }), 'CAPTURE_EXCEEDS_HOLD');

    const c = await ok(await post(`/v1/points/holds/${h.holdId}/captures`, { amount: 500 }));
    expect(c).toMatchObject({ holdId: h.holdId, userId, captured: 500, released: 200, balance: 500, held: 0 });
    expect(c.allocations).toEqual([
      { grantId: short.grantId, amount: 400 },
      { grantId: long.grantId, amount: 100 },
    ]);
    const w = await written(userId);
    expect(w).toMatchObject({ balance: 500, held: 0, seq: 5 });
    expect(w.holds[0]).toMatchObject({ hold_id: h.holdId, state: 'CAPTURED', use_id: c.useId, order_id: 'order-h-1' });
    expect(w.lots.map((l) => [l.grant_id, n(l.remaining)])).toEqual([
      [short.grantId, 0],
      [long.grantId, 500],
    ]);
    const use = await t.dbOf(userId)('point_uses').where({ use_id: c.useId }).first();
    expect(use).toMatchObject({ hold_id: h.holdId, order_id: 'order-h-1' });

    // One capture per hold; a captured hold cannot be released.
    await refusedWithoutWrites(userId, () => post(`/v1/points/holds/${h.holdId}/captures`), 'HOLD_NOT_ACTIVE');
    await refusedWithoutWrites(userId, () => post(`/v1/points/holds/${h.holdId}/releases`), 'HOLD_NOT_ACTIVE');

    // The capture is a use like any other: cancellable.
    const cancel = await ok(await post(`/v1/points/uses/${c.useId}/cancellations`, { amount: 100 }));
    expect(cancel).toMatchObject({ balance: 600, held: 0 });
  });

  it('a release gives every point back; a hold over the balance is INSUFFICIENT_POINTS', async () => {
    const userId = testUser('release');
    const g = await grant(userId, 300);
    await refusedWithoutWrites(userId, () => post('/v1/points/holds', { userId, amount: 301 }), 'INSUFFICIENT_POINTS');
    const h = await hold(userId, 250);
    expect(h).toMatchObject({ balance: 50, held: 250 });
    const r = await ok(await post(`/v1/points/holds/${h.holdId}/releases`, { reason: 'payment failed' }));
    expect(r).toMatchObject({ holdId: h.holdId, released: 250, balance: 300, held: 0, restored: [{ grantId: g.grantId, amount: 250, expired: false }] });
    expect((await written(userId)).holds[0]).toMatchObject({ state: 'RELEASED' });
    await refusedWithoutWrites(userId, () => post(`/v1/points/holds/${h.holdId}/captures`), 'HOLD_NOT_ACTIVE');
  });

  it('a capture replayed with its key answers the first capture again', async () => {
    const userId = testUser('hold-replay');
    await grant(userId, 100);
    const h = await hold(userId, 60);
    const key = randomUUID();
    const first = await ok(await post(`/v1/points/holds/${h.holdId}/captures`, { amount: 60 }, { key }));
    const again = await post(`/v1/points/holds/${h.holdId}/captures`, { amount: 60 }, { key });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first);
  });

  it('validates ttlSeconds (60 to 86400) and answers 404 for a hold that does not exist', async () => {
    const userId = testUser('hold-bad');
    await grant(userId, 100);
    await refusedWithoutWrites(userId, () => post('/v1/points/holds', { userId, amount: 10, ttlSeconds: 59 }), 'VALIDATION_FAILED', 400);
    await refusedWithoutWrites(userId, () => post('/v1/points/holds', { userId, amount: 10, ttlSeconds: 86_401 }), 'VALIDATION_FAILED', 400);
    const unknown = t.shards.newIdFor({ userId });
    const res = await post(`/v1/points/holds/${unknown}/captures`);
    expect(res.statusCode, res.body).toBe(404);
    expect((res.json() as Json).error.code).toBe('NOT_FOUND');
  });

  it('a hold lapses at expiresAt: a capture at that very moment is HOLD_NOT_ACTIVE and writes nothing', async () => {
    const userId = testUser('hold-lapse');
    pinnedAt = Date.now();
    await grant(userId, 100, {}, pinned);
    const h = await hold(userId, 80, { ttlSeconds: 60 }, pinned);
    pinnedAt = Date.parse(h.expiresAt);
    await refusedWithoutWrites(userId, () => post(`/v1/points/holds/${h.holdId}/captures`, {}, { api: pinned }), 'HOLD_NOT_ACTIVE');
    // A millisecond before, it could still have been captured: the next command releases it lazily.
    const u = await ok(await post('/v1/points/uses', { userId, amount: 100 }, { api: pinned }));
    expect(u).toMatchObject({ balance: 0, held: 0 });
    const events = await t.dbOf(userId)('point_events').where({ user_id: userId }).orderBy('seq');
    expect(events.map((e) => e.type)).toEqual(['POINTS_GRANTED', 'POINTS_HELD', 'POINTS_HOLD_RELEASED', 'POINTS_USED']);
  });

  it('the maintenance run releases lapsed holds and activates due grants, and says how many', async () => {
    const userId = testUser('maintenance');
    // Made by a clock 10 days behind: the hold lapsed and the pending grant came due long ago.
    await grant(userId, 100, { validDays: 30 }, earlier);
    const h = await hold(userId, 70, { ttlSeconds: 60 }, earlier);
    await grant(userId, 40, { availableAt: new Date(Date.now() - 9 * DAY).toISOString() }, earlier);
    const run = await ok(await post('/v1/points/expirations', {}, { auth: t.auth.admin }), 200);
    expect(run.releasedHolds).toBeGreaterThanOrEqual(1);
    expect(run.releasedPoints).toBeGreaterThanOrEqual(70);
    expect(run.activatedGrants).toBeGreaterThanOrEqual(1);
    expect(run.activatedPoints).toBeGreaterThanOrEqual(40);
    const w = await written(userId);
    expect(w).toMatchObject({ balance: 140, held: 0, pending: 0 });
    expect(w.holds[0]).toMatchObject({ hold_id: h.holdId, state: 'RELEASED' });
    // Run again: nothing more for this user.
    const before = await written(userId);
    await ok(await post('/v1/points/expirations', {}, { auth: t.auth.admin }), 200);
    expect(await written(userId)).toEqual(before);
  });
});

describe('races', () => {
  it('concurrent captures of one hold: exactly one wins', async () => {
    const userId = testUser('race-capture');
    await grant(userId, 100);
    const h = await hold(userId, 100);
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(`/v1/points/holds/${h.holdId}/captures`)));
    const codes = answers.map((a) => (a.statusCode === 201 ? 'ok' : (a.json() as Json).error.code));
    expect(codes.filter((c) => c === 'ok')).toHaveLength(1);
    expect(codes.filter((c) => c !== 'ok').every((c) => c === 'HOLD_NOT_ACTIVE')).toBe(true);
    const w = await written(userId);
    expect(w).toMatchObject({ balance: 0, held: 0, seq: 3 });
    const [uses] = await t.dbOf(userId)('point_uses').where({ user_id: userId }).count({ c: '*' });
    expect(n(uses?.c)).toBe(1);
  });

  it('a hold and a use racing for the same last points: one of them, never below zero', async () => {
    for (let round = 0; round < 3; round++) {
      const userId = testUser('race-last');
      await grant(userId, 100);
      const [a, b] = await Promise.all([post('/v1/points/holds', { userId, amount: 100 }), post('/v1/points/uses', { userId, amount: 100 })]);
      const statuses = [a.statusCode, b.statusCode].sort();
      expect(statuses).toEqual([201, 409]);
      const loser = a.statusCode === 409 ? a : b;
      expect((loser.json() as Json).error.code).toBe('INSUFFICIENT_POINTS');
      const w = await written(userId);
      expect(w.balance).toBe(0);
      expect(w.held + w.balance).toBe(a.statusCode === 201 ? 100 : 0);
      expect(w.seq).toBe(2);
    }
  });
});
