/**
 * The admin search end to end: commands for a user of this run through the running API,
 * MySQL, Debezium, Kafka and the running ClickHouse projector, then found again through
 * GET /v1/admin/events and GET /v1/admin/users as an operator would: by filters, page by
 * page while a command lands between pages, and as a CSV download that parses back to
 * the same rows.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseCsv } from 'csv-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EVENT_FIELDS, ADMIN_USER_FIELDS, type AdminEvent, type AdminUser } from '../../schemas/admin-answers.ts';
import { connectStackApi, testUser, type StackApi } from '../../testing/api.ts';

/** CSV text as records keyed by the header row (csv-parse). */
function parse(text: string, options: { columns: true }): Promise<Record<string, string>[]> {
  return new Promise((resolve, reject) => parseCsv(text, options, (err, records: Record<string, string>[]) => (err ? reject(err) : resolve(records))));
}

let api: StackApi;
beforeAll(async () => {
  api = await connectStackApi();
});
afterAll(async () => api?.close());

type Json = Record<string, any>;
const post = async (url: string, payload: object) => {
  const res = await api.app.inject({ method: 'POST', url, payload, headers: { authorization: api.auth.write, 'idempotency-key': randomUUID() } });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(201);
  return res.json() as Json;
};
const admin = (url: string) => api.app.inject({ method: 'GET', url, headers: { authorization: api.auth.admin } });
const events = async (query: string) => {
  const res = await admin(`/v1/admin/events?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { items: AdminEvent[]; nextCursor: string | null };
};

/** Until ClickHouse has the user's events up to `seq` (the projector inserts within about a second). */
async function projected(userId: string, seq: number): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    const page = await events(`userId=${userId}&limit=1`);
    if ((page.items[0]?.seq ?? 0) >= seq) return;
    if (Date.now() > until) throw new Error(`ClickHouse has not reached seq ${seq} of ${userId} in 60 s`);
    await sleep(250);
  }
}

/** The MySQL rows of the user's events, newest first, in the search's item shape. */
async function fromMySql(userId: string): Promise<AdminEvent[]> {
  const rows = await api
    .dbOf(userId)('point_events')
    .select('event_id', 'seq', 'type', 'amount', 'balance_after', 'occurred_at', 'grant_id', 'use_id', 'hold_id', 'order_id', 'reason', 'source')
    .where({ user_id: userId })
    .orderBy('seq', 'desc');
  return rows.map((r) => {
    const e: AdminEvent = {
      eventId: r.event_id,
      userId,
      seq: Number(r.seq),
      type: r.type,
      amount: Number(r.amount),
      balanceAfter: Number(r.balance_after),
      occurredAt: new Date(r.occurred_at).toISOString(),
    };
    for (const [k, col] of [
      ['grantId', 'grant_id'],
      ['useId', 'use_id'],
      ['holdId', 'hold_id'],
      ['orderId', 'order_id'],
      ['reason', 'reason'],
      ['source', 'source'],
    ] as const) {
      if (r[col] !== null) e[k] = r[col];
    }
    return e;
  });
}

const asText = (items: object[], fields: readonly string[]) =>
  items.map((i) => Object.fromEntries(fields.map((f) => [f, (i as Json)[f] === undefined ? '' : String((i as Json)[f])])));

describe('admin search through the pipeline', () => {
  const userId = testUser('search');
  const run = randomUUID().slice(0, 8);
  const orderId = `srch-${run}`;
  const source = `e2e-${run}`;
  const reason = `Search ${run}: 100%_off, "quoted"\nsecond line`;
  // A balance no other user has: the users search can be bounded to exactly it.
  const big = 600_000_000 + Math.floor(Math.random() * 100_000_000);
  let main: Json;
  let short: Json;
  let use: Json;
  let hold: Json;
  let cancel: Json;
  let pending: Json;

  beforeAll(async () => {
    main = await post('/v1/points/grants', { userId, amount: big, validDays: 365, reason, source });
    short = await post('/v1/points/grants', { userId, amount: 500, validDays: 10, reason: `short ${run}`, source });
    // FIFO by expiry: the use and the hold both take from the 10-day lot.
    use = await post('/v1/points/uses', { userId, amount: 300, orderId, reason: `use ${run}` });
    hold = await post('/v1/points/holds', { userId, amount: 100, orderId: `${orderId}-h`, ttlSeconds: 600 });
    cancel = await post(`/v1/points/uses/${use.useId}/cancellations`, { amount: 100 });
    pending = await post('/v1/points/grants', {
      userId,
      amount: 50,
      validDays: 30,
      reason: `pending ${run}`,
      availableAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(pending.seq).toBe(6);
    await projected(userId, pending.seq);
  });

  it("finds exactly the user's events, newest first, as MySQL has them", async () => {
    const page = await events(`userId=${userId}`);
    expect(page.nextCursor).toBeNull();
    expect(page.items).toEqual(await fromMySql(userId));
    expect(page.items.map((e) => e.type)).toEqual([
      'POINTS_GRANT_PENDING',
      'POINTS_USE_CANCELED',
      'POINTS_HELD',
      'POINTS_USED',
      'POINTS_GRANTED',
      'POINTS_GRANTED',
    ]);
  });

  it('finds them by each filter, and by filters combined', async () => {
    const ids = async (q: string) => (await events(q)).items.map((e) => e.eventId);
    expect(await ids(`userId=${userId}&type=POINTS_GRANTED`)).toEqual([short.eventId, main.eventId]);
    expect(await ids(`orderId=${orderId}`)).toEqual([use.eventId]);
    expect(await ids(`grantId=${main.grantId}`)).toEqual([main.eventId]);
    expect(await ids(`useId=${use.useId}`)).toEqual([cancel.eventId, use.eventId]);
    expect(await ids(`holdId=${hold.holdId}`)).toEqual([hold.eventId]);
    expect(await ids(`source=${source}`)).toEqual([short.eventId, main.eventId]);
    expect(await ids(`reasonContains=${encodeURIComponent(`${run}: 100%_OFF, "QUOTED"`)}`)).toEqual([main.eventId]);
    expect(await ids(`reasonContains=${encodeURIComponent(`${run}: 100%%`)}`)).toEqual([]);
    expect(await ids(`source=${source}&minAmount=500&maxAmount=500`)).toEqual([short.eventId]);
    // from/to inclusive: exactly the use's instant.
    const at = encodeURIComponent((await events(`useId=${use.useId}&type=POINTS_USED`)).items[0]!.occurredAt);
    expect(await ids(`userId=${userId}&from=${at}&to=${at}`)).toEqual([use.eventId]);
    expect(await ids(`userId=${userId}&type=POINTS_USED&from=${at}`)).toEqual([use.eventId]);
    expect(await ids(`userId=${userId}&type=POINTS_HELD&to=${at}`)).toEqual([]);
  });

  it('pages by nextCursor with a command landing between pages: no event repeated or skipped', async () => {
    const before = (await events(`userId=${userId}`)).items.map((e) => e.eventId);
    const seen: string[] = [];
    let page = await events(`userId=${userId}&limit=2`);
    seen.push(...page.items.map((e) => e.eventId));
    const late = await post('/v1/points/grants', { userId, amount: 7, validDays: 30, reason: `late ${run}` });
    await projected(userId, late.seq);
    while (page.nextCursor !== null) {
      page = await events(`userId=${userId}&limit=2&cursor=${page.nextCursor}`);
      seen.push(...page.items.map((e) => e.eventId));
    }
    expect(seen).toEqual(before);
    // A new search starts with it.
    expect((await events(`userId=${userId}&limit=1`)).items[0]).toMatchObject({ eventId: late.eventId, seq: late.seq, amount: 7 });
    // A cursor this API did not make is refused.
    const bad = await admin(`/v1/admin/events?userId=${userId}&cursor=${Buffer.from('["e",1]').toString('base64url')}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'querystring.cursor' }] });
  });

  it('downloads every match as CSV that parses back to the same rows', async () => {
    const res = await admin(`/v1/admin/events?userId=${userId}&format=csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="events-.+\.csv"$/);
    expect(res.body.split('\n')[0]).toBe(ADMIN_EVENT_FIELDS.join(','));
    const rows = await parse(res.body, { columns: true });
    const json = (await events(`userId=${userId}`)).items;
    expect(rows).toHaveLength(7);
    expect(rows).toEqual(asText(json, ADMIN_EVENT_FIELDS));
    expect(rows.find((r) => r.eventId === main.eventId)?.reason).toBe(reason);
  });

  it('finds the user by balance, with held, pending and the points expiring within the window', async () => {
    // Expiring within 30 days: the 10-day lot, 500 − 300 (use) − 100 (hold) + 100 (cancellation) = 200,
    // and the late 30-day lot, 7; the 365-day lot is later; the pending lot (50) does not expire while
    // pending. balance = big + 200 + 7.
    const balance = big + 207;
    const res = await admin(`/v1/admin/users?minBalance=${balance}&maxBalance=${balance}`);
    expect(res.statusCode).toBe(200);
    const page = res.json() as { items: AdminUser[]; nextCursor: string | null };
    const mine = page.items.find((u) => u.userId === userId);
    expect(mine).toMatchObject({ userId, balance, held: 100, pending: 50, expiring: 207 });
    expect(Date.parse(mine!.lastEventAt)).toBeGreaterThan(Date.now() - 600_000);
    const wide = (await admin(`/v1/admin/users?minBalance=${balance}&maxBalance=${balance}&expiringWithinDays=3650`)).json() as { items: AdminUser[] };
    expect(wide.items.find((u) => u.userId === userId)?.expiring).toBe(big + 200 + 7);
    const none = (await admin(`/v1/admin/users?minBalance=${balance}&maxBalance=${balance}&minExpiring=208`)).json() as { items: AdminUser[] };
    expect(none.items.find((u) => u.userId === userId)).toBeUndefined();

    const csv = await admin(`/v1/admin/users?minBalance=${balance}&maxBalance=${balance}&format=csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="users-.+\.csv"$/);
    expect(csv.body.split('\n')[0]).toBe(ADMIN_USER_FIELDS.join(','));
    expect(await parse(csv.body, { columns: true })).toEqual(asText(page.items, ADMIN_USER_FIELDS));
  });

  it('needs the admin scope', async () => {
    for (const url of ['/v1/admin/events', '/v1/admin/users']) {
      const res = await api.app.inject({ method: 'GET', url, headers: { authorization: api.auth.write } });
      expect(res.statusCode, url).toBe(403);
      expect((await api.app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
    }
  });
});
