/**
 * Every error a client can cause on the command routes (API.md "Errors"), each with
 * its status, code and the exact error body, and for the refusals that reach the
 * database: a refused command writes nothing (wallet, lots, uses, allocations,
 * events, outbox, idempotency record), not even the lazy expiry it computed.
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/app.ts';
import { testUser } from '../../testing/users.ts';

const DAY = 24 * 3600 * 1000;

let t: TestApi;
/** An app whose clock runs 11 days ahead: lots granted now for 10 days have lapsed. */
let later: TestApi;

beforeAll(async () => {
  [t, later] = await Promise.all([startTestApi(), startTestApi({ clock: () => Date.now() + 11 * DAY })]);
});
afterAll(async () => {
  await Promise.all([t?.close(), later?.close()]);
});

type Json = Record<string, any>;

interface PostOpts {
  api?: TestApi;
  /** null: no Authorization header. */
  auth?: string | null;
  /** null: no Idempotency-Key header. */
  key?: string | null;
  contentType?: string;
}

async function post(url: string, body?: unknown, opts: PostOpts = {}): Promise<LightMyRequestResponse> {
  const api = opts.api ?? t;
  const headers: Record<string, string> = {};
  const auth = opts.auth === undefined ? api.auth.write : opts.auth;
  if (auth !== null) headers.authorization = auth;
  const key = opts.key === undefined ? randomUUID() : opts.key;
  if (key !== null) headers['idempotency-key'] = key;
  if (opts.contentType) headers['content-type'] = opts.contentType;
  return api.app.inject({
    method: 'POST',
    url,
    headers,
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : (body as object) }),
  });
}

async function created(res: LightMyRequestResponse): Promise<Json> {
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Json;
}

async function grant(userId: string, amount: number, extra: Json = { validDays: 30 }, key?: string): Promise<Json> {
  return created(await post('/v1/points/grants', { userId, amount, reason: 'test grant', ...extra }, { key }));
}

async function use(userId: string, amount: number): Promise<Json> {
  return created(await post('/v1/points/uses', { userId, amount }));
}

/** The error body is exactly {error: {code, message, details?}}, with no stack. */
function expectError(res: LightMyRequestResponse, status: number, code: string): { code: string; message: string; details?: any } {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json() as Json;
  expect(Object.keys(body)).toEqual(['error']);
  const keys = Object.keys(body.error);
  expect(keys.slice(0, 2)).toEqual(['code', 'message']);
  expect(keys.every((k) => ['code', 'message', 'details'].includes(k))).toBe(true);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(res.body).not.toMatch(/stack|\bat .*\.ts:\d+/i);
  return body.error;
}

/** The fields that error details name: an array of {field} or one {field}. */
function fieldsOf(details: unknown): string[] {
  const list = Array.isArray(details) ? details : details && typeof details === 'object' ? [details] : [];
  return list.map((d) => (d as { field?: unknown }).field).filter((f): f is string => typeof f === 'string');
}

const n = (v: unknown) => Number(v);

/** Everything MySQL holds for a user (and for some Idempotency-Keys). */
async function snapshot(userId: string, keys: string[]) {
  const db = t.dbOf(userId);
  const useIds = db('point_uses').select('use_id').where({ user_id: userId });
  // Records and (with shards) claims of keys may sit on any shard.
  const idem = await t.onEveryShard((d) => d('idempotency_keys').whereIn('idem_key', keys).orderBy(['client', 'idem_key']));
  const claims = await t.onEveryShard((d) => d('idempotency_claims').whereIn('idem_key', keys).orderBy(['client', 'idem_key']));
  return {
    wallets: await db('point_wallets').where({ user_id: userId }),
    lots: await db('point_lots').where({ user_id: userId }).orderBy('grant_id'),
    uses: await db('point_uses').where({ user_id: userId }).orderBy('use_id'),
    allocations: await db('point_use_allocations').whereIn('use_id', useIds).orderBy(['use_id', 'grant_id']),
    events: await db('point_events').where({ user_id: userId }).orderBy('seq'),
    outbox: await db('point_event_outbox').where({ aggregateid: userId }),
    claims,
    idempotencyCount: idem.length,
    idempotency: idem,
  };
}

/** Runs a refused request and checks that the user's rows did not change. */
async function refusedWritesNothing(
  userId: string,
  keys: string[],
  send: () => Promise<LightMyRequestResponse>,
): Promise<{ res: LightMyRequestResponse; before: Awaited<ReturnType<typeof snapshot>> }> {
  const before = await snapshot(userId, keys);
  const res = await send();
  const after = await snapshot(userId, keys);
  expect(after).toEqual(before);
  expect(after.outbox).toEqual([]);
  return { res, before };
}

const okGrant = (userId: string) => ({ userId, amount: 10, validDays: 5, reason: 'r' });

describe('400 VALIDATION_FAILED', () => {
  const cases: [string, (u: string) => unknown, string][] = [
    ['userId with a character outside [A-Za-z0-9_.:-]', (u) => ({ ...okGrant(u), userId: `${u}/x y` }), 'body.userId'],
    ['userId longer than 64 characters', (u) => ({ ...okGrant(u), userId: 'a'.repeat(65) }), 'body.userId'],
    ['amount 0', (u) => ({ ...okGrant(u), amount: 0 }), 'body.amount'],
    ['amount 1_000_000_001', (u) => ({ ...okGrant(u), amount: 1_000_000_001 }), 'body.amount'],
    ['amount "100" (a string)', (u) => ({ ...okGrant(u), amount: '100' }), 'body.amount'],
    ['amount 1.5', (u) => ({ ...okGrant(u), amount: 1.5 }), 'body.amount'],
    ['an unknown field', (u) => ({ ...okGrant(u), bonus: true }), 'body.bonus'],
    ['a missing reason', (u) => ({ userId: u, amount: 10 }), 'body.reason'],
    ['expiresAt that is not a date-time', (u) => ({ userId: u, amount: 10, reason: 'r', expiresAt: 'tomorrow' }), 'body.expiresAt'],
  ];
  for (const [name, body, field] of cases) {
    it(`grant with ${name}`, async () => {
      const userId = testUser('val');
      const { res, before } = await refusedWritesNothing(userId, [], () => post('/v1/points/grants', body(userId)));
      const err = expectError(res, 400, 'VALIDATION_FAILED');
      expect(fieldsOf(err.details)).toContain(field);
      expect(before.wallets).toEqual([]);
    });
  }

  it('use with amount 1.5 and an unknown field names both', async () => {
    const userId = testUser('val');
    await grant(userId, 100);
    const { res } = await refusedWritesNothing(userId, [], () => post('/v1/points/uses', { userId, amount: 1.5, coupon: 'x' }));
    const err = expectError(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(err.details)).toEqual(expect.arrayContaining(['body.amount', 'body.coupon']));
  });

  it('a missing Idempotency-Key header', async () => {
    const userId = testUser('val');
    const res = await post('/v1/points/grants', okGrant(userId), { key: null });
    const err = expectError(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(err.details)).toContain('headers.idempotency-key');
    expect(await t.dbOf(userId)('point_wallets').where({ user_id: userId })).toEqual([]);
  });

  it('an Idempotency-Key of 129 characters (128 is fine)', async () => {
    const userId = testUser('val');
    const res = await post('/v1/points/grants', okGrant(userId), { key: 'k'.repeat(129) });
    const err = expectError(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(err.details)).toContain('headers.idempotency-key');
    const fine = await post('/v1/points/grants', okGrant(userId), { key: `${'k'.repeat(92)}${randomUUID()}` });
    expect(fine.statusCode).toBe(201);
  });

  it('expiresAt in the past (nothing written, not even the idempotency record)', async () => {
    const userId = testUser('val');
    await grant(userId, 100);
    const key = randomUUID();
    const body = { userId, amount: 10, reason: 'r', expiresAt: new Date(Date.now() - 60_000).toISOString() };
    const { res, before } = await refusedWritesNothing(userId, [key], () => post('/v1/points/grants', body, { key }));
    const err = expectError(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(err.details).some((f) => /(^|\.)expiresAt$/.test(f))).toBe(true);
    expect(before.idempotencyCount).toBe(0);
  });

  it('expiresAt at a leap second (23:59:60, valid RFC 3339 but not a time JavaScript parses)', async () => {
    const userId = testUser('val');
    const body = { userId, amount: 10, reason: 'r', expiresAt: '2030-06-30T23:59:60Z' };
    const { res } = await refusedWritesNothing(userId, [], () => post('/v1/points/grants', body));
    const err = expectError(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(err.details).some((f) => /(^|\.)expiresAt$/.test(f))).toBe(true);
  });

  it('expiresAt past what the ledger can store (year 10000 in UTC, given with an offset) is a 400, not a 500', async () => {
    const userId = testUser('val');
    const key = randomUUID();
    const body = { userId, amount: 10, reason: 'r', expiresAt: '9999-12-31T23:59:59-05:00' };
    const { res } = await refusedWritesNothing(userId, [key], () => post('/v1/points/grants', body, { key }));
    const err = expectError(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(err.details).some((f) => /(^|\.)expiresAt$/.test(f))).toBe(true);
  });

  it('asOf at a leap second on the expiry run is refused, or honoured; never a silent no-op', async () => {
    // A lot granted on 2020-06-01 for one day: lapsed long before 2020-06-30T23:59:60Z.
    const y2020 = await startTestApi({ clock: () => Date.parse('2020-06-01T00:00:00Z') });
    try {
      const userId = testUser('leap');
      const g = await created(await post('/v1/points/grants', { userId, amount: 10, validDays: 1, reason: 'r' }, { api: y2020 }));
      const res = await post('/v1/points/expirations', { asOf: '2020-06-30T23:59:60Z' }, { auth: t.auth.admin });
      const expired = await t.dbOf(userId)('point_events').where({ user_id: userId, type: 'POINTS_EXPIRED' });
      if (res.statusCode === 400) {
        const err = expectError(res, 400, 'VALIDATION_FAILED');
        expect(fieldsOf(err.details)).toContain('body.asOf');
        expect(expired).toEqual([]);
      } else {
        expect(res.statusCode, res.body).toBe(200);
        expect(expired.map((e) => [e.grant_id, n(e.amount)])).toEqual([[g.grantId, 10]]);
      }
    } finally {
      await y2020.close();
    }
  });

  it('both expiresAt and validDays', async () => {
    const userId = testUser('val');
    const body = { userId, amount: 10, reason: 'r', validDays: 3, expiresAt: new Date(Date.now() + 9 * DAY).toISOString() };
    const { res } = await refusedWritesNothing(userId, [], () => post('/v1/points/grants', body));
    const err = expectError(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(err.details)).toContain('body.validDays');
  });

  it('asOf in the future on the expiry run', async () => {
    const res = await post('/v1/points/expirations', { asOf: new Date(Date.now() + DAY).toISOString() }, { auth: t.auth.admin });
    const err = expectError(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(err.details)).toContain('body.asOf');
  });

  it('a malformed useId in the path', async () => {
    const res = await post('/v1/points/uses/not-a-uuid/cancellations', {});
    const err = expectError(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(err.details)).toContain('params.useId');
  });

  it('a malformed grantId in the path', async () => {
    const res = await post(`/v1/points/grants/${randomUUID().toUpperCase()}x/revocations`, { reason: 'r' });
    const err = expectError(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(err.details)).toContain('params.grantId');
  });

  it('cancellation amount 0', async () => {
    const res = await post(`/v1/points/uses/${randomUUID()}/cancellations`, { amount: 0 });
    const err = expectError(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(err.details)).toContain('body.amount');
  });

  it('a body that is not valid JSON', async () => {
    const userId = testUser('val');
    const res = await post('/v1/points/grants', `{"userId": "${userId}", "amount": 10,`, { contentType: 'application/json' });
    const err = expectError(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(err.details)).toContain('body');
    expect(await t.dbOf(userId)('point_wallets').where({ user_id: userId })).toEqual([]);
  });
});

describe('401 UNAUTHORIZED', () => {
  it('no Authorization header', async () => {
    const userId = testUser('auth');
    const res = await post('/v1/points/grants', okGrant(userId), { auth: null });
    expectError(res, 401, 'UNAUTHORIZED');
    expect(await t.dbOf(userId)('point_wallets').where({ user_id: userId })).toEqual([]);
  });

  it('an unknown key', async () => {
    const userId = testUser('auth');
    const res = await post('/v1/points/grants', okGrant(userId), { auth: `Bearer nope-${randomUUID()}` });
    expectError(res, 401, 'UNAUTHORIZED');
    expect(await t.dbOf(userId)('point_wallets').where({ user_id: userId })).toEqual([]);
  });
});

describe('403 FORBIDDEN', () => {
  it('a read-only key on a command', async () => {
    const userId = testUser('auth');
    const res = await post('/v1/points/grants', okGrant(userId), { auth: t.auth.read });
    expectError(res, 403, 'FORBIDDEN');
    expect(await t.dbOf(userId)('point_wallets').where({ user_id: userId })).toEqual([]);
    for (const url of ['/v1/points/uses', `/v1/points/uses/${randomUUID()}/cancellations`, `/v1/points/grants/${randomUUID()}/revocations`]) {
      expectError(await post(url, { reason: 'r' }, { auth: t.auth.read }), 403, 'FORBIDDEN');
    }
  });

  it('a write key on the expiry run (admin only)', async () => {
    const res = await post('/v1/points/expirations', {}, { auth: t.auth.write });
    expectError(res, 403, 'FORBIDDEN');
  });
});

describe('404 NOT_FOUND', () => {
  it('cancelling an unknown useId', async () => {
    const key = randomUUID();
    const res = await post(`/v1/points/uses/${randomUUID()}/cancellations`, {}, { key });
    expectError(res, 404, 'NOT_FOUND');
    expect(await t.onEveryShard((db) => db('idempotency_keys').where({ idem_key: key }))).toEqual([]);
    expect(await t.onEveryShard((db) => db('idempotency_claims').where({ idem_key: key }))).toEqual([]);
  });

  it('revoking an unknown grantId', async () => {
    const key = randomUUID();
    const res = await post(`/v1/points/grants/${randomUUID()}/revocations`, { reason: 'r' }, { key });
    expectError(res, 404, 'NOT_FOUND');
    expect(await t.onEveryShard((db) => db('idempotency_keys').where({ idem_key: key }))).toEqual([]);
    expect(await t.onEveryShard((db) => db('idempotency_claims').where({ idem_key: key }))).toEqual([]);
  });

  it('an unknown route', async () => {
    expectError(await post('/v1/points/gifts', {}), 404, 'NOT_FOUND');
    expectError(await t.app.inject({ method: 'GET', url: '/v1/points/grants' }), 404, 'NOT_FOUND');
  });
});

describe('409 refusals write nothing', () => {
  it('INSUFFICIENT_POINTS: a use above the balance', async () => {
    const userId = testUser('ref');
    await grant(userId, 100);
    await use(userId, 50);
    const key = randomUUID();
    const { res, before } = await refusedWritesNothing(userId, [key], () => post('/v1/points/uses', { userId, amount: 51 }, { key }));
    const err = expectError(res, 409, 'INSUFFICIENT_POINTS');
    expect(err.details).toMatchObject({ requested: 51, available: 50 });
    expect(before.idempotencyCount).toBe(0);
    expect(before.events).toHaveLength(2);
  });

  it('INSUFFICIENT_POINTS: a user with no wallet gets none', async () => {
    const userId = testUser('ref');
    const { res, before } = await refusedWritesNothing(userId, [], () => post('/v1/points/uses', { userId, amount: 1 }));
    expectError(res, 409, 'INSUFFICIENT_POINTS');
    expect(before.wallets).toEqual([]);
  });

  it('IDEMPOTENCY_KEY_REUSED: same key, different body', async () => {
    const userId = testUser('ref');
    const key = randomUUID();
    const first = await grant(userId, 100, { validDays: 30 }, key);
    const { res, before } = await refusedWritesNothing(userId, [key], () =>
      post('/v1/points/grants', { userId, amount: 200, validDays: 30, reason: 'test grant' }, { key }),
    );
    expectError(res, 409, 'IDEMPOTENCY_KEY_REUSED');
    expect(before.idempotencyCount).toBe(1);
    expect(JSON.parse(before.idempotency[0]!.response as string)).toEqual(first);
    expect(n(before.wallets[0]!.balance)).toBe(100);
  });

  it('IDEMPOTENCY_KEY_REUSED: same key and body on another route', async () => {
    const userId = testUser('ref');
    const key = randomUUID();
    await grant(userId, 100, { validDays: 30 }, key);
    const { res } = await refusedWritesNothing(userId, [key], () => post('/v1/points/uses', { userId, amount: 10 }, { key }));
    expectError(res, 409, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('CANCEL_EXCEEDS_USE: more than what is left of the use', async () => {
    const userId = testUser('ref');
    await grant(userId, 100);
    const u = await use(userId, 80);
    await created(await post(`/v1/points/uses/${u.useId}/cancellations`, { amount: 30 }));
    const key = randomUUID();
    const { res } = await refusedWritesNothing(userId, [key], () => post(`/v1/points/uses/${u.useId}/cancellations`, { amount: 51 }, { key }));
    const err = expectError(res, 409, 'CANCEL_EXCEEDS_USE');
    expect(err.details).toMatchObject({ useId: u.useId, requested: 51, cancellable: 50 });
  });

  it('CANCEL_EXCEEDS_USE: cancelling a use that is cancelled in full already', async () => {
    const userId = testUser('ref');
    await grant(userId, 100);
    const u = await use(userId, 80);
    await created(await post(`/v1/points/uses/${u.useId}/cancellations`, undefined));
    const key = randomUUID();
    const { res, before } = await refusedWritesNothing(userId, [key], () => post(`/v1/points/uses/${u.useId}/cancellations`, undefined, { key }));
    const err = expectError(res, 409, 'CANCEL_EXCEEDS_USE');
    expect(err.details).toMatchObject({ useId: u.useId, cancellable: 0 });
    expect(n(before.uses[0]!.canceled)).toBe(80);
    expectError(await post(`/v1/points/uses/${u.useId}/cancellations`, { amount: 1 }), 409, 'CANCEL_EXCEEDS_USE');
  });

  it('ALREADY_REVOKED: revoking a grant twice', async () => {
    const userId = testUser('ref');
    const g = await grant(userId, 100);
    await grant(userId, 5);
    await created(await post(`/v1/points/grants/${g.grantId}/revocations`, { reason: 'first' }));
    const key = randomUUID();
    const { res, before } = await refusedWritesNothing(userId, [key], () => post(`/v1/points/grants/${g.grantId}/revocations`, { reason: 'second' }, { key }));
    const err = expectError(res, 409, 'ALREADY_REVOKED');
    expect(err.details).toMatchObject({ grantId: g.grantId });
    expect(before.events.map((e) => e.type)).toEqual(['POINTS_GRANTED', 'POINTS_GRANTED', 'POINTS_REVOKED']);
  });

  it('ALREADY_REVOKED: a grant that was used up has nothing left to revoke', async () => {
    const userId = testUser('ref');
    const g = await grant(userId, 100);
    await use(userId, 100);
    const { res } = await refusedWritesNothing(userId, [], () => post(`/v1/points/grants/${g.grantId}/revocations`, { reason: 'late' }));
    expectError(res, 409, 'ALREADY_REVOKED');
  });
});

describe('a refused command on a user with a lapsed lot writes not even the lazy expiry', () => {
  it('INSUFFICIENT_POINTS eleven days later', async () => {
    const userId = testUser('lapse');
    await grant(userId, 100, { validDays: 10 });
    const key = randomUUID();
    const { res, before } = await refusedWritesNothing(userId, [key], () => post('/v1/points/uses', { userId, amount: 10 }, { api: later, key }));
    const err = expectError(res, 409, 'INSUFFICIENT_POINTS');
    expect(err.details).toMatchObject({ requested: 10, available: 0 });
    expect(before.events.map((e) => e.type)).toEqual(['POINTS_GRANTED']);
    expect(n(before.lots[0]!.remaining)).toBe(100);
    expect(n(before.lots[0]!.is_open)).toBe(1);
  });

  it('ALREADY_REVOKED and VALIDATION_FAILED eleven days later', async () => {
    const userId = testUser('lapse');
    const g = await grant(userId, 100, { validDays: 10 });
    const r1 = await refusedWritesNothing(userId, [], () => post(`/v1/points/grants/${g.grantId}/revocations`, { reason: 'r' }, { api: later }));
    expectError(r1.res, 409, 'ALREADY_REVOKED');
    const r2 = await refusedWritesNothing(userId, [], () =>
      post('/v1/points/grants', { userId, amount: 5, reason: 'r', expiresAt: new Date(Date.now() + 5 * DAY).toISOString() }, { api: later }),
    );
    expectError(r2.res, 400, 'VALIDATION_FAILED');
    expect(r2.before.events).toHaveLength(1);
  });

  it('CANCEL_EXCEEDS_USE eleven days later', async () => {
    const userId = testUser('lapse');
    await grant(userId, 100, { validDays: 10 });
    await grant(userId, 100, { validDays: 30 });
    const u = await use(userId, 20);
    const { res } = await refusedWritesNothing(userId, [], () => post(`/v1/points/uses/${u.useId}/cancellations`, { amount: 21 }, { api: later }));
    expectError(res, 409, 'CANCEL_EXCEEDS_USE');
  });
});

describe('413, 415, 429', () => {
  it('PAYLOAD_TOO_LARGE: a body over 16 KiB', async () => {
    const userId = testUser('size');
    const body = JSON.stringify({ userId, amount: 10, reason: 'x'.repeat(17 * 1024) });
    const res = await post('/v1/points/grants', body, { contentType: 'application/json' });
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(await t.dbOf(userId)('point_wallets').where({ user_id: userId })).toEqual([]);
  });

  it('UNSUPPORTED_MEDIA_TYPE: a text/plain body', async () => {
    const userId = testUser('media');
    const res = await post('/v1/points/grants', JSON.stringify(okGrant(userId)), { contentType: 'text/plain' });
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const form = await post('/v1/points/grants', `userId=${userId}&amount=10`, { contentType: 'application/x-www-form-urlencoded' });
    expectError(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await t.dbOf(userId)('point_wallets').where({ user_id: userId })).toEqual([]);
  });

  it('RATE_LIMITED: more than the per-key limit per second, with Retry-After', async () => {
    const limited = await startTestApi({ rateLimitPerSecond: 3 });
    try {
      const userId = testUser('rate');
      const send = () => post('/v1/points/uses', { userId, amount: 1 }, { api: limited });
      const answers = await Promise.all(Array.from({ length: 8 }, send));
      const refused = answers.filter((r) => r.statusCode === 429);
      const passed = answers.filter((r) => r.statusCode !== 429);
      expect(passed.length).toBeLessThanOrEqual(6); // 3 per window, at most two windows
      expect(refused.length).toBeGreaterThanOrEqual(2);
      for (const r of passed) expectError(r, 409, 'INSUFFICIENT_POINTS');
      for (const r of refused) {
        const err = expectError(r, 429, 'RATE_LIMITED');
        expect(err.details).toMatchObject({ retryAfterSeconds: expect.any(Number) });
        expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
      // Another key has its own budget; public routes are not limited.
      const other = await post('/v1/points/uses', { userId, amount: 1 }, { api: limited, auth: limited.auth.admin });
      expectError(other, 409, 'INSUFFICIENT_POINTS');
      expect((await limited.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('RATE_LIMITED: a key with its own limit (API_KEYS name/scopes/secret/limit) gets that budget', async () => {
    const base = t.config.api.keys;
    const limited = await startTestApi({
      rateLimitPerSecond: 2,
      keys: [...base, { name: 'roomy', secret: 'roomy-0123456789abcdef', scopes: ['points:write'], rateLimitPerSecond: 1000 }],
    });
    try {
      const userId = testUser('rate-own');
      const send = (auth: string) => post('/v1/points/uses', { userId, amount: 1 }, { api: limited, auth });
      const roomy = await Promise.all(Array.from({ length: 10 }, () => send('Bearer roomy-0123456789abcdef')));
      for (const r of roomy) expectError(r, 409, 'INSUFFICIENT_POINTS');
      const tight = await Promise.all(Array.from({ length: 10 }, () => send(limited.auth.write)));
      expect(tight.filter((r) => r.statusCode === 429).length).toBeGreaterThanOrEqual(4);
    } finally {
      await limited.close();
    }
  });
});
