/**
 * Bad-input fuzzer of the whole HTTP API (API.md), in process (app.inject) against the
 * real MariaDB, Redis, ClickHouse and schema registry. Every route gets
 * `config.testing.fuzzRuns` generated requests: malformed, oversized, wrongly typed and
 * hostile bodies, headers, paths and query strings, mixed with valid-looking ones with
 * one field broken. For every answer: no 5xx (504 PROJECTION_BEHIND excepted on the
 * balance route: a documented answer to an unreached minSeq), JSON, the exact error
 * envelope with a code of API.md's table and its status, no stack trace or file path,
 * and the documented shape for 2xx. Around each command route: only the answers 201
 * (200 for the expiry run) changed anything of the fuzz users (prefix `fuzz-<run>-`).
 *
 * Reproduce a failure: FUZZ_SEED=<seed> (and FUZZ_PATH=<path>) as printed by fast-check.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../common/src/config.ts';
import { startTestApi, type TestApi } from './support/app.ts';

const RUNS = loadConfig().testing.fuzzRuns;
const TIMEOUT = 60_000 + RUNS * 200;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const PATH = process.env.FUZZ_PATH || undefined;
const fcParams = { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), ...(PATH ? { path: PATH } : {}) };

const RUN = randomUUID().slice(0, 8);
const PREFIX = `fuzz-${RUN}-`;
const DAY = 86_400_000;
const USER_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** API.md's table of error codes and statuses (the contract, not the implementation). */
const CONTRACT: Record<string, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INSUFFICIENT_POINTS: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  CANCEL_EXCEEDS_USE: 409,
  ALREADY_REVOKED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  PROJECTION_BEHIND: 504,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};
const LEAK = /(\n\s+at\s)|(\bat\s+\S+\s+\(\S*:\d+:\d+\))|(\/work\/)|(node_modules)|(file:\/\/)|(\.[cm]?[jt]s:\d+)/;

// ---------------------------------------------------------------- documented 2xx shapes
const Int = Type.Integer();
const Str = Type.String();
const IsoTime = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' });
const Common = { eventId: Str, userId: Str, seq: Type.Integer({ minimum: 1 }), balance: Type.Integer({ minimum: 0 }) };
const SHAPES = {
  grant: Type.Object({ grantId: Str, ...Common, expiresAt: IsoTime }),
  use: Type.Object({ useId: Str, ...Common, allocations: Type.Array(Type.Object({ grantId: Str, amount: Int })) }),
  cancel: Type.Object({ cancellationId: Str, ...Common, restored: Type.Array(Type.Object({ grantId: Str, amount: Int, expired: Type.Boolean() })) }),
  revoke: Type.Object({ ...Common, revoked: Int }),
  expire: Type.Object({ expiredLots: Int, expiredPoints: Int, users: Int, purgedIdempotencyKeys: Int }),
  balance: Type.Object({
    userId: Str,
    balance: Int,
    seq: Int,
    updatedAt: Type.Union([IsoTime, Type.Null()]),
    expiringSoon: Type.Object({ amount: Int, withinDays: Type.Literal(30) }),
  }),
  history: Type.Object({
    items: Type.Array(Type.Object({ eventId: Str, seq: Int, type: Str, amount: Int, balanceAfter: Int, occurredAt: IsoTime })),
    nextBeforeSeq: Type.Union([Int, Type.Null()]),
  }),
  grants: Type.Array(Type.Object({ grantId: Str, remaining: Int, expiresAt: IsoTime })),
  daily: Type.Array(Type.Object({ day: Str, granted: Int, used: Int, useCanceled: Int, expired: Int, revoked: Int, activeUsers: Int })),
  expiring: Type.Array(Type.Object({ day: Str })),
  topUsers: Type.Array(Type.Object({ userId: Str, points: Int })),
  pipeline: Type.Object({
    connector: Type.Object({ state: Str }),
    projectors: Type.Array(
      Type.Object({ name: Str, lag: Type.Union([Int, Type.Null()]), lastEvent: Type.Unknown(), freshnessMs: Type.Union([Int, Type.Null()]) }),
    ),
  }),
  health: Type.Object({ status: Type.Literal('ok'), checks: Type.Record(Str, Str) }),
  adminEvents: Type.Object({
    items: Type.Array(Type.Object({ eventId: Str, userId: Str, seq: Int, type: Str, amount: Int, balanceAfter: Int, occurredAt: IsoTime })),
    nextCursor: Type.Union([Str, Type.Null()]),
  }),
  adminUsers: Type.Object({
    items: Type.Array(Type.Object({ userId: Str, balance: Int, held: Int, pending: Int, expiring: Int })),
    nextCursor: Type.Union([Str, Type.Null()]),
  }),
  liability: Type.Object({ asOf: Str, outstanding: Int, pending: Int, held: Int, granted: Int, used: Int, useCanceled: Int, expired: Int, revoked: Int }),
  cohorts: Type.Array(Type.Object({ month: Str, granted: Int, used: Int, expired: Int, revoked: Int, outstanding: Int })),
  deadLetters: Type.Object({
    items: Type.Array(
      Type.Object({ projector: Str, partition: Int, offset: Str, key: Type.Union([Str, Type.Null()]), reason: Str, at: Str, payloadBase64: Str }),
    ),
    nextCursor: Type.Union([Str, Type.Null()]),
  }),
  batch: Type.Object({ batchId: Str, state: Str, total: Int, done: Int, failed: Int, errors: Type.Array(Type.Object({ ref: Str, code: Str, message: Str })) }),
};

// ---------------------------------------------------------------- requests and checks
interface Req {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS';
  url: string;
  headers: Record<string, string | string[]>;
  payload?: string;
}

interface Spec {
  name: string;
  codes: string[];
  success: Record<number, TSchema>;
  /** The status of a command that wrote (201, or 200 for the expiry run). */
  writes?: number;
  text?: boolean;
}

interface Accepted {
  userId?: string;
  seq?: number;
  eventId?: string;
  grantId?: string;
  useId?: string;
}

const stats = new Map<string, { sent: number; statuses: Map<number, number> }>();
const accepted = new Map<string, Accepted[]>();

function show(req: Req, res?: LightMyRequestResponse): string {
  const cut = (s: string | undefined) => (s === undefined ? undefined : s.length > 600 ? `${s.slice(0, 600)}…(${s.length} chars)` : s);
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map(cut) : cut(v)]));
  return JSON.stringify(
    {
      request: { method: req.method, url: cut(req.url), headers, body: cut(req.payload) },
      ...(res ? { answer: { status: res.statusCode, headers: res.headers, body: cut(res.body) } } : {}),
    },
    null,
    1,
  );
}

function fail(why: string, req: Req, res?: LightMyRequestResponse): never {
  throw new Error(`${why}\n${show(req, res)}`);
}

async function send(t: TestApi, spec: Spec, req: Req): Promise<LightMyRequestResponse> {
  let res: LightMyRequestResponse;
  try {
    res = await t.app.inject({ method: req.method, url: req.url, headers: req.headers, ...(req.payload === undefined ? {} : { payload: req.payload }) });
  } catch (e) {
    return fail(`inject threw: ${(e as Error).message}`, req);
  }
  const s = stats.get(spec.name) ?? { sent: 0, statuses: new Map() };
  s.sent++;
  s.statuses.set(res.statusCode, (s.statuses.get(res.statusCode) ?? 0) + 1);
  stats.set(spec.name, s);

  const status = res.statusCode;
  if (status >= 500) {
    let code: unknown;
    try {
      code = (res.json() as { error?: { code?: unknown } }).error?.code;
    } catch {
      /* checked below */
    }
    if (!(status === 504 && code === 'PROJECTION_BEHIND' && spec.codes.includes('PROJECTION_BEHIND'))) fail(`5xx answer ${status}`, req, res);
  }
  if (spec.text && status === 200) {
    if (!String(res.headers['content-type']).startsWith('text/plain')) fail('metrics are not text/plain', req, res);
    return res;
  }
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return fail('the body is not JSON', req, res);
  }
  if (!String(res.headers['content-type'] ?? '').startsWith('application/json')) fail('the answer is not application/json', req, res);
  if (status >= 400) {
    const b = body as Record<string, unknown>;
    if (!b || typeof b !== 'object' || Array.isArray(b) || Object.keys(b).join() !== 'error') fail('the error body is not exactly {error}', req, res);
    const e = b.error as Record<string, unknown>;
    if (!e || typeof e !== 'object' || Array.isArray(e)) fail('error is not an object', req, res);
    const extra = Object.keys(e).filter((k) => !['code', 'message', 'details'].includes(k));
    if (extra.length) fail(`error has unknown fields ${extra.join()}`, req, res);
    if (typeof e.code !== 'string' || !(e.code in CONTRACT)) fail(`unknown error code ${String(e.code)}`, req, res);
    if (CONTRACT[e.code as string] !== status)
      fail(`code ${String(e.code)} answered with status ${status}, API.md says ${CONTRACT[e.code as string]}`, req, res);
    if (!spec.codes.includes(e.code as string)) fail(`code ${String(e.code)} is not expected on ${spec.name}`, req, res);
    if (typeof e.message !== 'string' || e.message.length === 0) fail('error message is not a non-empty string', req, res);
    if (LEAK.test(e.message as string) || ('details' in e && LEAK.test(JSON.stringify(e.details)))) fail('stack trace or file path in the error', req, res);
    return res;
  }
  const shape = spec.success[status];
  if (!shape) fail(`unexpected success status ${status}`, req, res);
  if (!Value.Check(shape, body)) {
    const first = [...Value.Errors(shape, body)][0];
    fail(`the ${status} answer does not have the documented shape: ${first?.path} ${first?.message}`, req, res);
  }
  if (spec.writes === status && res.headers['idempotent-replayed'] !== 'true') {
    const a = body as Accepted;
    const list = accepted.get(spec.name) ?? [];
    list.push({ userId: a.userId, seq: a.seq, eventId: a.eventId, grantId: a.grantId, useId: a.useId });
    accepted.set(spec.name, list);
    if (a.userId !== undefined && !a.userId.startsWith(PREFIX)) fail('a fuzz command wrote for a user outside the fuzz prefix', req, res);
  }
  return res;
}

// ---------------------------------------------------------------- the write model of the fuzz users
interface Snapshot {
  wallets: Map<string, string>;
  lots: Map<string, string>;
  events: Map<string, { userId: string; seq: number }>;
  uses: Map<string, string>;
  totalEvents: number;
}

async function snapshot(t: TestApi): Promise<Snapshot> {
  const like = `${PREFIX}%`;
  const [wallets, lots, events, uses, total] = await Promise.all([
    t.onEveryShard((db) => db('point_wallets').select('user_id', 'balance', 'seq').where('user_id', 'like', like)),
    t.onEveryShard((db) => db('point_lots').select('grant_id', 'user_id', 'remaining', 'revoked', 'is_open').where('user_id', 'like', like)),
    t.onEveryShard((db) => db('point_events').select('event_id', 'user_id', 'seq').where('user_id', 'like', like)),
    t.onEveryShard((db) => db('point_uses').select('use_id', 'user_id', 'canceled').where('user_id', 'like', like)),
    t.onEveryShard((db) => db('point_events').count({ n: '*' })),
  ]);
  return {
    wallets: new Map(wallets.map((w) => [w.user_id, `${w.balance}/${w.seq}`])),
    lots: new Map(lots.map((l) => [l.grant_id, `${l.user_id}/${l.remaining}/${l.revoked}/${l.is_open}`])),
    events: new Map(events.map((e) => [e.event_id, { userId: e.user_id, seq: Number(e.seq) }])),
    uses: new Map(uses.map((u) => [u.use_id, `${u.user_id}/${u.canceled}`])),
    totalEvents: total.reduce((sum, r) => sum + Number((r as { n: number | string }).n), 0),
  };
}

/** Only the accepted commands (201, not replayed) changed anything of the fuzz users. */
function assertOnlyAcceptedWrote(route: string, ok: Accepted[], before: Snapshot, after: Snapshot): void {
  const users = new Set(ok.map((a) => a.userId));
  const changed = <V>(a: Map<string, V>, b: Map<string, V>) => [...b.keys()].filter((k) => !a.has(k) || JSON.stringify(a.get(k)) !== JSON.stringify(b.get(k)));
  const gone = (a: Map<string, unknown>, b: Map<string, unknown>) => [...a.keys()].filter((k) => !b.has(k));
  const newEvents = changed(before.events, after.events).map((id) => ({ id, ...after.events.get(id)! }));
  const why = `${route}: ${ok.length} accepted, ${newEvents.length} new events`;
  for (const table of ['wallets', 'lots', 'events', 'uses'] as const) expect(gone(before[table], after[table]), `${why}: ${table} rows vanished`).toEqual([]);
  if (ok.length === 0) {
    expect(newEvents, `${why}: events written by refused commands`).toEqual([]);
    expect(changed(before.wallets, after.wallets), `${why}: wallets changed by refused commands`).toEqual([]);
    expect(changed(before.lots, after.lots), `${why}: lots changed by refused commands`).toEqual([]);
    expect(changed(before.uses, after.uses), `${why}: uses changed by refused commands`).toEqual([]);
    return;
  }
  expect(newEvents.length, why).toBeGreaterThanOrEqual(ok.length);
  expect(after.totalEvents - before.totalEvents, why).toBeGreaterThanOrEqual(newEvents.length);
  for (const a of ok) expect(after.events.has(a.eventId!), `${why}: event ${a.eventId} of an answer 201 is missing`).toBe(true);
  for (const e of newEvents) expect(users.has(e.userId), `${why}: event ${e.id} of ${e.userId}, who had no accepted command`).toBe(true);
  for (const u of users) {
    const maxNew = Math.max(...newEvents.filter((e) => e.userId === u).map((e) => e.seq));
    const maxOk = Math.max(...ok.filter((a) => a.userId === u).map((a) => a.seq!));
    expect(maxNew, `${why}: ${u}'s last new event is not the last accepted seq`).toBe(maxOk);
  }
  for (const w of changed(before.wallets, after.wallets)) expect(users.has(w), `${why}: wallet ${w} changed without an accepted command`).toBe(true);
  const grantIds = new Set(ok.map((a) => a.grantId));
  for (const g of changed(before.lots, after.lots)) {
    const owner = after.lots.get(g)!.split('/')[0]!;
    if (!before.lots.has(g)) expect(grantIds.has(g), `${why}: lot ${g} created without an accepted grant`).toBe(true);
    expect(users.has(owner), `${why}: lot ${g} changed without an accepted command of ${owner}`).toBe(true);
  }
  const useIds = new Set(ok.map((a) => a.useId));
  for (const u of changed(before.uses, after.uses)) {
    const owner = after.uses.get(u)!.split('/')[0]!;
    if (!before.uses.has(u)) expect(useIds.has(u), `${why}: use ${u} created without an accepted use`).toBe(true);
    expect(users.has(owner), `${why}: use ${u} changed without an accepted command of ${owner}`).toBe(true);
  }
}

// ---------------------------------------------------------------- generators
const deepArray = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const HOSTILE = [
  "'; DROP TABLE point_wallets; --",
  '" OR 1=1 --',
  "' OR '1'='1",
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '\u0000',
  'a\u0000b',
  '😀',
  '👨‍👩‍👧‍👦',
  '\u202Eevil',
  '\u200F',
  '\uFEFF',
  '\uD800',
  '\uDFFF',
  'ﬀ',
  'İ',
  '１２３',
  '',
  ' ',
  '\t',
  '\r\nX-Injected: 1',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e308',
  '9007199254740993',
  '0x10',
  '1_000',
  '../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  '__proto__',
  'constructor',
  '\\',
  "'",
  '"',
  '`',
  '%s%n',
];
const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 20_480 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3_000 }).map((n) => '😀'.repeat(n)) },
);
const weirdNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1.5, 0.1, 1e308, -1e308, 2 ** 53 + 1, 2 ** 53, 1e21, 1_000_000_001, 36_501, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER),
  fc.double(),
  fc.integer(),
);
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 4, depthSize: 'small' }), fc.jsonValue({ maxDepth: 3, depthSize: 'small', stringUnit: 'binary' }));
const badValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: weirdNumber },
  { weight: 3, arbitrary: anyJson },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [1], { amount: 1 }) },
  // deep values inside a body (JSON.stringify recurses: up to 1,000 levels here; 5,000 in RAW_BODIES)
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 1_000 }).map((n) => JSON.parse(deepArray(n)) as unknown) },
);
const RAW_NUMBERS = [
  '1e400',
  '-1e400',
  '-0',
  '1.0',
  '1e0',
  '10E2',
  '9007199254740993',
  '123456789012345678901234567890',
  '0.0000001',
  '1.5e3',
  '01',
  '+1',
  '.5',
  '0x10',
  'NaN',
  'Infinity',
  '1__0',
];
const RAW_BODIES = [
  '',
  ' ',
  'null',
  'undefined',
  'NaN',
  '{',
  '}',
  '[',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '{"a":1}{"b":2}',
  '\uFEFF{}',
  '[]',
  '""',
  '0',
  'true',
  '{"__proto__":{"amount":5}}',
  '{"constructor":{"prototype":{"x":1}}}',
  'a=1&b=2',
  '<xml/>',
  '\u0000',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  deepArray(5_000),
  deepObject(2_500),
  `{"a":"${'x'.repeat(17_000)}"}`,
  `[${'1,'.repeat(8_000)}1]`,
];
const SEG_RAW = [
  '..',
  '../..',
  '%2e%2e',
  '%2E%2E%2F',
  '%00',
  '%',
  '%zz',
  '.',
  ';',
  ' ',
  '%20',
  'é',
  '😀',
  '%F0%9F%98%80',
  '\u202E',
  'a;b=c',
  '%0d%0aX:1',
  'x'.repeat(5_000),
];

function withField(b: Record<string, unknown>, key: string, value: unknown): string {
  if (value === DELETE) {
    const o = { ...b };
    delete o[key];
    return JSON.stringify(o);
  }
  // '__proto__' and friends must be own properties of the JSON text
  const o: Record<string, unknown> = { ...b };
  Object.defineProperty(o, key, { value, enumerable: true, configurable: true, writable: true });
  return JSON.stringify(o);
}
const DELETE = Symbol('delete');

/** A user id that stays a fuzz user when valid, or is invalid. */
function fuzzUserIdOrInvalid(v: unknown): unknown {
  if (typeof v === 'string' && USER_ID.test(v) && !v.startsWith(PREFIX)) return `${PREFIX}${v}`.slice(0, 64);
  return v;
}

function bodyArb(valid: fc.Arbitrary<Record<string, unknown>>, fields: string[], raw: (n: string) => string): fc.Arbitrary<string | undefined> {
  const broken = fc
    .tuple(valid, fc.constantFrom(...fields, 'extra', '__proto__', 'USERID', ''), fc.oneof(fc.constant<unknown>(DELETE), badValue))
    .map(([b, k, v]) => withField(b, k, k === 'userId' ? fuzzUserIdOrInvalid(v) : v));
  return fc.oneof(
    { weight: 3, arbitrary: valid.map((b) => JSON.stringify(b)) },
    { weight: 8, arbitrary: broken },
    { weight: 3, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.nat()).map(([b, n]) => {
        const s = JSON.stringify(b);
        return s.slice(0, n % s.length);
      }),
    },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_BODIES) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_NUMBERS).map(raw) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

const CONTENT_TYPES = [
  undefined,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/jsonx',
  'application/vnd.api+json',
  'application/xml',
  'text/html',
  '',
  ';',
  'application/json, text/plain',
  'application/json;',
  'json',
  '*/*',
];
const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant<string | undefined>('application/json') },
  { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
);

function authArb(good: string, all: string[]): fc.Arbitrary<string | string[] | undefined> {
  const secret = good.replace(/^Bearer /, '');
  return fc.oneof(
    { weight: 14, arbitrary: fc.constant(good) },
    { weight: 2, arbitrary: fc.constantFrom(...all) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 3,
      arbitrary: fc.constantFrom<string | string[]>(
        'Bearer',
        'Bearer ',
        '',
        'Basic dXNlcjpwYXNz',
        `bearer ${secret}`,
        `Bearer ${secret} x`,
        secret,
        `Bearer   ${secret}   `,
        `Bearer ${secret}\u0000`,
        `Bearer ${secret}x`,
        `Bearer ${'x'.repeat(20_480)}`,
        [good, good],
        [good, 'Bearer nope'],
        'Token abc',
        'Bearer ${jndi:ldap://x}',
        "Bearer ' OR 1=1 --",
        `Bearer ${secret.toUpperCase()}`,
      ),
    },
    { weight: 1, arbitrary: hostileString.map((s) => `Bearer ${s}`) },
  );
}

const idemKey: fc.Arbitrary<string | string[] | undefined> = fc.oneof(
  { weight: 14, arbitrary: fc.uuid().map((u) => `${PREFIX}${u}`) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<string | string[]>(
      '',
      ' ',
      'x'.repeat(129),
      'x'.repeat(128),
      'é'.repeat(128),
      'é'.repeat(129),
      '😀'.repeat(64),
      '😀'.repeat(65),
      'ключ',
      '\u202Ekey',
      "'; DROP TABLE idempotency_keys; --",
      `${PREFIX}dup`,
      [`${PREFIX}a`, `${PREFIX}b`],
      [],
      'x'.repeat(20_000),
      'a\u0000b',
    ),
  },
  { weight: 1, arbitrary: hostileString },
);

const extraHeaders: fc.Arbitrary<Record<string, string | string[]>> = fc
  .array(
    fc.oneof(
      fc.constantFrom<[string, string | string[]]>(
        ['content-length', '1'],
        ['content-length', '999999'],
        ['content-length', 'abc'],
        ['content-length', '-1'],
        ['transfer-encoding', 'chunked'],
        ['accept', 'text/html'],
        ['accept', 'application/xml'],
        ['accept-encoding', 'gzip, br'],
        ['x-request-id', 'x'.repeat(10_000)],
        ['x-forwarded-for', "'; DROP TABLE point_events; --"],
        ['expect', '100-continue'],
        ['x-http-method-override', 'DELETE'],
        ['content-encoding', 'gzip'],
        ['x-request-id', '\u202E😀'],
        ['cookie', 'a=b'.repeat(1_000)],
        ['accept', ['a', 'b']],
      ),
      fc.tuple(fc.constantFrom('x-fuzz', 'x-unknown', 'idempotent-replayed', 'x-api-key'), hostileString),
    ),
    { maxLength: 3 },
  )
  .map((pairs) => Object.fromEntries(pairs));

function headers(
  auth: string | string[] | undefined,
  ct: string | undefined,
  extra: Record<string, string | string[]>,
  key?: string | string[],
): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = { ...extra };
  if (auth !== undefined) h.authorization = auth;
  if (ct !== undefined) h['content-type'] = ct;
  if (key !== undefined) h['idempotency-key'] = key;
  return h;
}

/** A path segment: a chosen value, encoded, or raw hostile. */
function segArb(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 3, arbitrary: hostileString.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '?')) || '%20') },
    { weight: 2, arbitrary: fc.constantFrom(...SEG_RAW) },
  );
}

/** A query string from known and hostile keys, with duplicates, arrays and raw junk. */
function queryArb(base: fc.Arbitrary<[string, string][]>, keys: string[]): fc.Arbitrary<[string, string][] | string> {
  const value = fc.oneof(
    fc.constantFrom(
      '',
      '0',
      '-0',
      '-1',
      '1.5',
      '1e308',
      '9007199254740993',
      '1e400',
      'NaN',
      'Infinity',
      'true',
      'null',
      '[]',
      '0x10',
      '  5  ',
      '5abc',
      '10001',
      '201',
      '2024-02-30',
      '0000-01-01',
      '9999-12-31',
      '2024-01-01',
      'earned',
      'spent',
    ),
    hostileString.map((s) => s.replace(/[\uD800-\uDFFF]/g, '?')),
    fc.integer().map(String),
  );
  const key = fc.oneof(
    fc.constantFrom(...keys),
    fc.constantFrom(...keys).map((k) => `${k}[]`),
    fc.constantFrom(...keys).map((k) => `${k}[0]`),
    fc.constantFrom('', 'x', '__proto__', 'constructor', 'LIMIT', '%00'),
  );
  const broken = fc
    .tuple(base, fc.array(fc.tuple(key, value), { maxLength: 4 }), fc.boolean())
    .map(([b, extra, drop]) => [...(drop ? b.slice(1) : b), ...extra]);
  return fc.oneof(
    { weight: 3, arbitrary: base },
    { weight: 6, arbitrary: broken },
    { weight: 1, arbitrary: fc.constantFrom('&&&', '=', '==', '?a=1?b=2', '%', '%zz', `${'a=1&'.repeat(3_000)}`, 'limit=1&limit=2&limit=3', '#x', '%00=%00') },
  );
}

function qs(q: [string, string][] | string): string {
  if (typeof q === 'string') return `?${q}`;
  if (q.length === 0) return '';
  return `?${q.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}

const isoFuture = fc.integer({ min: 2, max: 3_000 }).map((d) => new Date(Date.now() + d * DAY).toISOString());
const dayArb = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }).map((t) => new Date(t).toISOString().slice(0, 10));

// ---------------------------------------------------------------- the fuzz
let t: TestApi;
const users: string[] = [];
const grantIds: string[] = [];
const useIds: string[] = [];

async function setupPost(url: string, body: unknown): Promise<Record<string, any>> {
  const res = await t.app.inject({ method: 'POST', url, headers: { authorization: t.auth.write, 'idempotency-key': randomUUID() }, payload: body as object });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

beforeAll(async () => {
  t = await startTestApi();
  for (let i = 0; i < 3; i++) {
    const u = `${PREFIX}u${i}`;
    users.push(u);
    for (let j = 0; j < 2; j++) grantIds.push((await setupPost('/v1/points/grants', { userId: u, amount: 500, validDays: 30, reason: 'fuzz setup' })).grantId);
    useIds.push((await setupPost('/v1/points/uses', { userId: u, amount: 300, reason: 'fuzz setup' })).useId);
  }
  // a revoked grant and a fully cancelled use: ALREADY_REVOKED and CANCEL_EXCEEDS_USE
  await setupPost(`/v1/points/grants/${grantIds[5]}/revocations`, { reason: 'fuzz setup' });
  await setupPost(`/v1/points/uses/${useIds[0]}/cancellations`, {});
});

afterAll(async () => {
  const lines = [...stats.entries()].map(
    ([route, s]) =>
      `${route.padEnd(34)} ${String(s.sent).padStart(6)} cases  ${[...s.statuses.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([k, v]) => `${k}:${v}`)
        .join(' ')}`,
  );
  console.log(`fuzz summary (FUZZ_RUNS=${RUNS}, prefix ${PREFIX}):\n${lines.join('\n')}`);
  await t?.close();
});

const fuzzUser = () => fc.constantFrom(...users, `${PREFIX}new-a`, `${PREFIX}new-b`);
const COMMAND_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'IDEMPOTENCY_KEY_REUSED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
];
const QUERY_CODES = ['VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN', 'RATE_LIMITED'];
/** Routes with a path parameter: `..` segments are resolved by the URL parser, leaving an unknown route (404). */
const PARAM_QUERY_CODES = [...QUERY_CODES, 'NOT_FOUND'];

interface CommandCase {
  spec: Spec;
  auth: 'write' | 'admin';
  path: () => fc.Arbitrary<string>;
  valid: () => fc.Arbitrary<Record<string, unknown>>;
  fields: string[];
  raw: (n: string) => string;
}

const COMMANDS: CommandCase[] = [
  {
    spec: { name: 'POST /v1/points/grants', codes: COMMAND_CODES, success: { 201: SHAPES.grant }, writes: 201 },
    auth: 'write',
    path: () => fc.constant('/v1/points/grants'),
    valid: () =>
      fc
        .record({
          userId: fuzzUser(),
          amount: fc.integer({ min: 1, max: 1_000 }),
          reason: fc.constantFrom('fuzz', 'é😀\u202E', "'; DROP TABLE point_lots; --"),
          validity: fc.oneof(
            fc.constant({}),
            fc.integer({ min: 1, max: 36_500 }).map((validDays) => ({ validDays })),
            isoFuture.map((expiresAt) => ({ expiresAt })),
          ),
          source: fc.option(fc.constantFrom('fuzz', '<script>alert(1)</script>'), { nil: undefined }),
        })
        .map(({ validity, source, ...b }) => ({ ...b, ...validity, ...(source === undefined ? {} : { source }) })),
    fields: ['userId', 'amount', 'reason', 'validDays', 'expiresAt', 'source'],
    raw: (n) => `{"userId":"${PREFIX}u1","amount":${n},"reason":"fuzz"}`,
  },
  {
    spec: { name: 'POST /v1/points/uses', codes: [...COMMAND_CODES, 'INSUFFICIENT_POINTS'], success: { 201: SHAPES.use }, writes: 201 },
    auth: 'write',
    path: () => fc.constant('/v1/points/uses'),
    valid: () =>
      fc.record(
        {
          userId: fuzzUser(),
          amount: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 1_000_000_000 })),
          orderId: fc.option(fc.constantFrom('o-1', "1' OR '1'='1"), { nil: undefined }),
          reason: fc.option(fc.constant('fuzz'), { nil: undefined }),
        },
        { requiredKeys: ['userId', 'amount'] },
      ),
    fields: ['userId', 'amount', 'orderId', 'reason'],
    raw: (n) => `{"userId":"${PREFIX}u1","amount":${n}}`,
  },
  {
    spec: {
      name: 'POST /v1/points/uses/{useId}/cancellations',
      codes: [...COMMAND_CODES, 'NOT_FOUND', 'CANCEL_EXCEEDS_USE'],
      success: { 201: SHAPES.cancel },
      writes: 201,
    },
    auth: 'write',
    path: () =>
      segArb(
        fc.oneof(
          fc.constantFrom(...useIds),
          fc.uuid(),
          fc.constantFrom(...useIds).map((u) => u.toUpperCase()),
        ),
      ).map((s) => `/v1/points/uses/${s}/cancellations`),
    valid: () => fc.record({ amount: fc.integer({ min: 1, max: 400 }), reason: fc.constant('fuzz') }, { requiredKeys: [] }),
    fields: ['amount', 'reason'],
    raw: (n) => `{"amount":${n}}`,
  },
  {
    spec: {
      name: 'POST /v1/points/grants/{grantId}/revocations',
      codes: [...COMMAND_CODES, 'NOT_FOUND', 'ALREADY_REVOKED'],
      success: { 201: SHAPES.revoke },
      writes: 201,
    },
    auth: 'write',
    path: () =>
      segArb(
        fc.oneof(
          fc.constantFrom(...grantIds),
          fc.uuid(),
          fc.constantFrom(...grantIds).map((g) => g.toUpperCase()),
        ),
      ).map((s) => `/v1/points/grants/${s}/revocations`),
    valid: () => fc.record({ reason: fc.constantFrom('fuzz', '\u0000', '😀') }),
    fields: ['reason'],
    raw: (n) => `{"reason":${n}}`,
  },
  {
    spec: { name: 'POST /v1/points/expirations', codes: COMMAND_CODES, success: { 200: SHAPES.expire }, writes: 200 },
    auth: 'admin',
    path: () => fc.constant('/v1/points/expirations'),
    // asOf long ago: a valid run expires nothing (no lot lapsed before 2000), so it stays cheap
    valid: () => fc.record({ asOf: fc.integer({ min: 0, max: Date.UTC(2000, 0, 1) }).map((ms) => new Date(ms).toISOString()) }),
    fields: ['asOf'],
    raw: (n) => `{"asOf":${n}}`,
  },
];

describe('bad-input fuzz (commands)', () => {
  for (const c of COMMANDS) {
    it(
      c.spec.name,
      async () => {
        const before = await snapshot(t);
        const all = [t.auth.admin, t.auth.write, t.auth.read];
        const req: fc.Arbitrary<Req> = fc
          .record({
            method: fc.constant('POST' as const),
            path: c.path(),
            auth: authArb(t.auth[c.auth], all),
            key: idemKey,
            ct: contentType,
            extra: extraHeaders,
            body: bodyArb(c.valid(), c.fields, c.raw),
            q: fc.oneof({ weight: 9, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('?x=1', '?userId=a&userId=b', '?%00') }),
          })
          .map((r) => ({
            method: r.method,
            url: r.path + r.q,
            headers: headers(r.auth, r.body === undefined && r.ct === 'application/json' ? undefined : r.ct, r.extra, r.key),
            payload: r.body,
          }));
        await fc.assert(
          fc.asyncProperty(req, async (r) => {
            await send(t, c.spec, r);
          }),
          fcParams,
        );
        const after = await snapshot(t);
        // the expiry run (200) touches no fuzz user: their lots lapse in days, and valid runs here are as of before 2000
        assertOnlyAcceptedWrote(c.spec.name, c.spec.writes === 201 ? (accepted.get(c.spec.name) ?? []) : [], before, after);
      },
      TIMEOUT,
    );
  }
});

interface QueryCase {
  spec: Spec;
  auth: 'read' | 'admin' | null;
  path: () => fc.Arbitrary<string>;
  query: () => fc.Arbitrary<[string, string][] | string>;
}

const userSeg = () => segArb(fc.oneof(fuzzUser(), fc.constantFrom('a', 'A.b:c_d-e', 'x'.repeat(64), 'x'.repeat(65))));
const QUERIES: QueryCase[] = [
  {
    spec: { name: 'GET /v1/users/{userId}/balance', codes: [...PARAM_QUERY_CODES, 'PROJECTION_BEHIND'], success: { 200: SHAPES.balance } },
    auth: 'read',
    path: () => userSeg().map((u) => `/v1/users/${u}/balance`),
    query: () =>
      queryArb(
        fc.subarray([
          ['minSeq', '1'],
          ['waitMs', '5'],
        ] as [string, string][]),
        ['minSeq', 'waitMs'],
      ).map((q) => {
        if (typeof q === 'string' || !q.some(([k]) => k === 'minSeq')) return q;
        // never wait long: a reachable minSeq answers fast, an unreachable one waits at most 20 ms
        return [...q.filter(([k]) => k !== 'waitMs'), ['waitMs', q.length % 2 ? '0' : '20']] as [string, string][];
      }),
  },
  {
    spec: { name: 'GET /v1/users/{userId}/history', codes: PARAM_QUERY_CODES, success: { 200: SHAPES.history } },
    auth: 'read',
    path: () => userSeg().map((u) => `/v1/users/${u}/history`),
    query: () =>
      queryArb(
        fc.tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 100 })).chain(([l, b]) =>
          fc.subarray([
            ['limit', String(l)],
            ['beforeSeq', String(b)],
          ] as [string, string][]),
        ),
        ['limit', 'beforeSeq'],
      ),
  },
  {
    spec: { name: 'GET /v1/users/{userId}/grants', codes: PARAM_QUERY_CODES, success: { 200: SHAPES.grants } },
    auth: 'read',
    path: () => userSeg().map((u) => `/v1/users/${u}/grants`),
    query: () => queryArb(fc.constant([]), ['x']),
  },
  {
    spec: { name: 'GET /v1/analytics/daily', codes: QUERY_CODES, success: { 200: SHAPES.daily } },
    auth: 'admin',
    path: () => fc.constant('/v1/analytics/daily'),
    query: () =>
      queryArb(
        fc.tuple(dayArb, dayArb).map(
          ([a, b]) =>
            (a <= b
              ? [
                  ['from', a],
                  ['to', b],
                ]
              : [
                  ['from', b],
                  ['to', a],
                ]) as [string, string][],
        ),
        ['from', 'to'],
      ),
  },
  {
    spec: { name: 'GET /v1/analytics/expiring', codes: QUERY_CODES, success: { 200: SHAPES.expiring } },
    auth: 'admin',
    path: () => fc.constant('/v1/analytics/expiring'),
    query: () =>
      queryArb(
        fc.integer({ min: 1, max: 3_650 }).map((d) => [['days', String(d)]] as [string, string][]),
        ['days'],
      ),
  },
  {
    spec: { name: 'GET /v1/analytics/top-users', codes: QUERY_CODES, success: { 200: SHAPES.topUsers } },
    auth: 'admin',
    path: () => fc.constant('/v1/analytics/top-users'),
    query: () =>
      queryArb(
        fc.tuple(fc.constantFrom('earned', 'spent'), dayArb, dayArb, fc.integer({ min: 1, max: 1_000 })).map(
          ([by, a, b, l]) =>
            [
              ['by', by],
              // biome-ignore lint/complexity/useMathMinMax: the days are strings (Math.min would give NaN)
              ['from', a < b ? a : b],
              // biome-ignore lint/complexity/useMathMinMax: the days are strings (Math.min would give NaN)
              ['to', a < b ? b : a],
              ['limit', String(l)],
            ] as [string, string][],
        ),
        ['by', 'from', 'to', 'limit'],
      ),
  },
  {
    spec: { name: 'GET /v1/pipeline/status', codes: ['UNAUTHORIZED', 'FORBIDDEN', 'RATE_LIMITED'], success: { 200: SHAPES.pipeline } },
    auth: 'admin',
    path: () => fc.constant('/v1/pipeline/status'),
    query: () => queryArb(fc.constant([]), ['x']),
  },
  // The operations' reads (API.md "Operations"): every filter a value, never SQL.
  {
    spec: { name: 'GET /v1/admin/events', codes: QUERY_CODES, success: { 200: SHAPES.adminEvents } },
    auth: 'admin',
    path: () => fc.constant('/v1/admin/events'),
    query: () =>
      queryArb(
        fc.tuple(fc.constantFrom(...users.concat(['nobody'])), fc.integer({ min: 1, max: 500 })).map(
          ([u, l]) =>
            [
              ['userId', u],
              ['limit', String(l)],
            ] as [string, string][],
        ),
        ['userId', 'type', 'orderId', 'grantId', 'useId', 'holdId', 'source', 'reasonContains', 'from', 'to', 'minAmount', 'maxAmount', 'limit', 'cursor'],
      ),
  },
  {
    spec: { name: 'GET /v1/admin/users', codes: QUERY_CODES, success: { 200: SHAPES.adminUsers } },
    auth: 'admin',
    path: () => fc.constant('/v1/admin/users'),
    query: () =>
      queryArb(
        fc.tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 500 })).map(
          ([b, l]) =>
            [
              ['minBalance', String(b)],
              ['limit', String(l)],
            ] as [string, string][],
        ),
        ['minBalance', 'maxBalance', 'expiringWithinDays', 'minExpiring', 'limit', 'cursor'],
      ),
  },
  {
    spec: { name: 'GET /v1/analytics/liability', codes: QUERY_CODES, success: { 200: SHAPES.liability } },
    auth: 'admin',
    path: () => fc.constant('/v1/analytics/liability'),
    query: () =>
      queryArb(
        dayArb.map((d) => [['asOf', d]] as [string, string][]),
        ['asOf'],
      ),
  },
  {
    spec: { name: 'GET /v1/analytics/cohorts', codes: QUERY_CODES, success: { 200: SHAPES.cohorts } },
    auth: 'admin',
    path: () => fc.constant('/v1/analytics/cohorts'),
    query: () =>
      queryArb(
        fc.tuple(dayArb, dayArb).map(([a, b]) => {
          const [x, y] = a <= b ? [a, b] : [b, a];
          return [
            ['from', x.slice(0, 7)],
            ['to', y.slice(0, 7)],
          ] as [string, string][];
        }),
        ['from', 'to'],
      ),
  },
  {
    spec: { name: 'GET /v1/pipeline/dead-letters', codes: QUERY_CODES, success: { 200: SHAPES.deadLetters } },
    auth: 'admin',
    path: () => fc.constant('/v1/pipeline/dead-letters'),
    query: () =>
      queryArb(
        fc.integer({ min: 1, max: 20 }).map((l) => [['limit', String(l)]] as [string, string][]),
        ['limit', 'cursor', 'projector'],
      ),
  },
  {
    spec: { name: 'GET /v1/points/grant-batches/{batchId}', codes: PARAM_QUERY_CODES, success: { 200: SHAPES.batch } },
    auth: 'admin',
    path: () => fc.oneof(fc.uuid(), userSeg()).map((id) => `/v1/points/grant-batches/${id}`),
    query: () => queryArb(fc.constant([]), ['x']),
  },
  {
    spec: { name: 'GET /health', codes: [], success: { 200: SHAPES.health } },
    auth: null,
    path: () => fc.constant('/health'),
    query: () => queryArb(fc.constant([]), ['x']),
  },
  {
    spec: { name: 'GET /metrics', codes: [], success: {}, text: true },
    auth: null,
    path: () => fc.constant('/metrics'),
    query: () => queryArb(fc.constant([]), ['x']),
  },
];

describe('bad-input fuzz (queries and system)', () => {
  for (const c of QUERIES) {
    it(
      c.spec.name,
      async () => {
        const all = [t.auth.admin, t.auth.write, t.auth.read];
        const req: fc.Arbitrary<Req> = fc
          .record({
            path: c.path(),
            query: c.query(),
            auth: c.auth ? authArb(t.auth[c.auth], all) : fc.option(fc.constantFrom(...all, 'Bearer nope', 'garbage'), { nil: undefined }),
            ct: fc.option(contentType, { nil: undefined }),
            extra: extraHeaders,
            body: fc.option(
              fc.oneof(
                fc.constantFrom(...RAW_BODIES),
                anyJson.map((v) => JSON.stringify(v)),
              ),
              { nil: undefined, freq: 3 },
            ),
          })
          .map((r) => ({ method: 'GET' as const, url: r.path + qs(r.query), headers: headers(r.auth, r.ct, r.extra), payload: r.body }));
        await fc.assert(
          fc.asyncProperty(req, async (r) => {
            await send(t, c.spec, r);
          }),
          fcParams,
        );
      },
      TIMEOUT,
    );
  }
});

describe('bad-input fuzz (unknown routes)', () => {
  it(
    'unknown routes',
    async () => {
      const spec: Spec = { name: 'unknown routes', codes: ['NOT_FOUND', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE', 'VALIDATION_FAILED'], success: {} };
      const known = [
        '/v1/points/grants',
        '/v1/points/uses',
        `/v1/points/uses/${randomUUID()}/cancellations`,
        `/v1/points/grants/${randomUUID()}/revocations`,
        '/v1/points/expirations',
      ];
      const gets = [
        '/v1/users/a/balance',
        '/v1/users/a/history',
        '/v1/users/a/grants',
        '/v1/analytics/daily',
        '/v1/analytics/expiring',
        '/v1/analytics/top-users',
        '/v1/pipeline/status',
        '/health',
        '/metrics',
      ];
      const all = [t.auth.admin, t.auth.write, t.auth.read];
      const path = fc.oneof(
        // a known path with a method it does not have
        fc.tuple(fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), fc.constantFrom(...known)),
        fc.tuple(fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), fc.constantFrom(...gets)),
        // near misses and hostile paths
        fc.tuple(
          fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
          fc.oneof(
            fc.constantFrom(
              '/',
              '/v1',
              '/v1/',
              '/v2/points/grants',
              '/v1/points/grants/',
              '/V1/POINTS/GRANTS',
              '//v1/points/grants',
              '/v1/points/grant',
              '/v1/users/a/balance/',
              '/v1/users/a',
              '/v1/users//balance/x',
              '/v1/points/uses/x/cancellations/y',
              '/v1/analytics',
              '/health/',
              '/metrics/x',
              '/v1/points/grants/../usez',
              '/v1/%2e%2e/healthz',
              '/v1/points/uses/%2e%2e/cancellationz',
              '/v1/points/%00',
              '/v1/points/grants%00',
              `/v1/${'x'.repeat(10_000)}`,
              '/.env',
              '/v1/points/😀',
            ),
            hostileString.map((s) => `/v1/zz/${encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '?'))}`),
            fc.constantFrom(...SEG_RAW).map((s) => `/zz/${s}`),
          ),
        ),
      );
      const req: fc.Arbitrary<Req> = fc
        .record({
          mp: path,
          auth: fc.option(fc.constantFrom(...all, 'Bearer nope'), { nil: undefined }),
          ct: contentType,
          extra: extraHeaders,
          key: fc.option(idemKey, { nil: undefined }),
          body: fc.option(
            fc.oneof(
              fc.constantFrom(...RAW_BODIES),
              anyJson.map((v) => JSON.stringify(v)),
            ),
            { nil: undefined },
          ),
        })
        .map((r) => ({ method: r.mp[0] as Req['method'], url: r.mp[1], headers: headers(r.auth, r.ct, r.extra, r.key), payload: r.body }));
      const before = await snapshot(t);
      await fc.assert(
        fc.asyncProperty(req, async (r) => {
          const res = await send(t, spec, r);
          if (res.statusCode < 400) fail('an unknown route answered a success', r, res);
        }),
        fcParams,
      );
      const after = await snapshot(t);
      assertOnlyAcceptedWrote(spec.name, [], before, after);
    },
    TIMEOUT,
  );
});

/**
 * Bugs this fuzzer found (Fastify routing errors answered outside the error envelope,
 * fixed with the frameworkErrors option), kept as fixed requests.
 */
describe('routing errors answer in the error envelope', () => {
  const paramRoutes = (seg: string): [Spec, Req][] => {
    const w = (url: string, body: string): Req => ({
      method: 'POST',
      url,
      headers: { authorization: t.auth.write, 'idempotency-key': `${PREFIX}${randomUUID()}`, 'content-type': 'application/json' },
      payload: body,
    });
    const r = (url: string): Req => ({ method: 'GET', url, headers: { authorization: t.auth.read } });
    const codes = [...COMMAND_CODES, ...PARAM_QUERY_CODES];
    return [
      [{ name: 'known bypass: POST cancellations', codes, success: {} }, w(`/v1/points/uses/${seg}/cancellations`, '{}')],
      [{ name: 'known bypass: POST revocations', codes, success: {} }, w(`/v1/points/grants/${seg}/revocations`, '{"reason":"fuzz"}')],
      [{ name: 'known bypass: GET balance', codes, success: {} }, r(`/v1/users/${seg}/balance`)],
      [{ name: 'known bypass: GET history', codes, success: {} }, r(`/v1/users/${seg}/history`)],
      [{ name: 'known bypass: GET grants', codes, success: {} }, r(`/v1/users/${seg}/grants`)],
    ];
  };
  const failures = async (cases: [Spec, Req][]) => {
    const out: string[] = [];
    for (const [spec, req] of cases) await send(t, spec, req).catch((e: Error) => out.push(e.message));
    return out;
  };

  it('a malformed %-escape in the path (FST_ERR_BAD_URL) answers VALIDATION_FAILED or NOT_FOUND in the envelope', async () => {
    const unknown: Spec = { name: 'known bypass: unknown route', codes: ['NOT_FOUND', 'VALIDATION_FAILED'], success: {} };
    const out = await failures([...paramRoutes('%'), ...paramRoutes('%zz'), [unknown, { method: 'GET', url: '/zz/%', headers: {} }]]);
    expect(out, out.join('\n\n')).toEqual([]);
  });

  it('a path parameter over 100 characters (FST_ERR_MAX_PARAM_LENGTH, 414) answers VALIDATION_FAILED in the envelope', async () => {
    const out = await failures(paramRoutes('x'.repeat(101)));
    expect(out, out.join('\n\n')).toEqual([]);
  });
});
