/**
 * The admin search (API.md "Operations": GET /v1/admin/events and /v1/admin/users) against
 * the real ClickHouse, on a hand-made ledger of four users written through the
 * ClickHouseStore into a scratch database, with copies of some rows inserted behind the
 * store's back (merges stopped): every expected row and figure is worked out below.
 */
import { parse as parseCsv } from 'csv-parse';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EVENT_FIELDS, ADMIN_USER_FIELDS, type AdminEvent } from '../../schemas/admin-answers.ts';
import type { PointEvent } from '../../schemas/point-event.ts';
import {
  decodeEventsCursor,
  decodeUsersCursor,
  encodeEventsCursor,
  eventsCsv,
  type EventFilters,
  searchEvents,
  searchUsers,
  usersCsv,
} from './admin-search.ts';
import { toRow } from './rows.ts';
import { LedgerBuilder, uniqueUser } from './test/events.ts';
import { scratchDatabase, type ScratchDatabase } from './test/scratch-db.ts';
import { ClickHouseStore, INSERT_SETTINGS } from './writer.ts';

/** CSV text as records keyed by the header row (csv-parse). */
function parse(text: string, options: { columns: true }): Promise<Record<string, string>[]> {
  return new Promise((resolve, reject) => parseCsv(text, options, (err, records: Record<string, string>[]) => (err ? reject(err) : resolve(records))));
}

const H = 3_600_000;
const D = 24 * H;
const T = Date.UTC(2024, 2, 1, 10, 0, 0, 123);
// The prefixes fix the users' order: A < B < C < D by userId.
const A = uniqueUser('asa');
const B = uniqueUser('asb');
const C = uniqueUser('asc');
const DU = uniqueUser('asd');
const g = (user: string, name: string) => `${user}-${name}`;

const a = new LedgerBuilder(A)
  .grant(g(A, 'a1'), 1000, T, T + 40 * D, 'shop') // A1
  .grant(g(A, 'a2'), 500, T + 1 * H, T + 10 * D, 'promo') // A2
  .use('uA1', [{ grantId: g(A, 'a2'), amount: 300 }], T + 2 * H) // A3, orderId o-uA1
  .hold('hA1', [{ grantId: g(A, 'a1'), amount: 200 }], T + 3 * H, T + 3 * H + 900_000) // A4, orderId o-hA1
  .pendingGrant(g(A, 'a3'), 50, T + 4 * H, T + 5 * D, T + 60 * D) // A5
  .cancel('uA1', [{ grantId: g(A, 'a2'), amount: 100 }], T + 7 * H); // A6
// A: balance 1000 + 500 − 300 − 200 + 100 = 1100, held 200, pending 50.
// Lots: a1 1000 − 200 (held) = 800, expires T+40d; a2 500 − 300 + 100 = 300, expires T+10d; a3 pending 50.
const b = new LedgerBuilder(B)
  .grant(g(B, 'b1'), 300, T + 2 * H, T + 20 * D) // B1: same instant as A3, lower seq
  .use('uB1', [{ grantId: g(B, 'b1'), amount: 100 }], T + 5 * H); // B2
// B: balance 200; lot b1 200, expires T+20d.
const c = new LedgerBuilder(C)
  .grant(g(C, 'c1'), 200, T + 4 * H, T + 100 * D, 'shop') // C1: same instant as A5, lower seq
  .revoke(g(C, 'c1'), 50, T + 5 * H); // C2: same instant and seq as B2: C2 first (userId descending)
// C: balance 150; lot c1 150, expires T+100d.
const d = new LedgerBuilder(DU).grant(g(DU, 'd1'), 200, T + 6 * H, T + 5 * D); // D1
// D: balance 200 (B's too: B before D by userId); lot d1 200, expires T+5d.

function reason(e: PointEvent | undefined, text: string | null): void {
  e!.reason = text;
}
reason(a.events[0], 'Welcome, "friend"\nline two');
reason(a.events[1], '100% bonus');
reason(a.events[4], "O'Brien's gift");
reason(b.events[1], 'a_b');
reason(c.events[0], 'axb');
reason(d.events[0], 'o brien');
// A3 (use), A4 (hold), A6 (cancellation) have no reason; C2 has 'test revoke', B1 'test grant'.

const ALL = [...a.events, ...b.events, ...c.events, ...d.events];
const key = (user: string, seq: number) => `${user}#${seq}`;
const A1 = key(A, 1);
const A2 = key(A, 2);
const A3 = key(A, 3);
const A4 = key(A, 4);
const A5 = key(A, 5);
const A6 = key(A, 6);
const B1 = key(B, 1);
const B2 = key(B, 2);
const C1 = key(C, 1);
const C2 = key(C, 2);
const D1 = key(DU, 1);
/** Newest first: occurredAt, then seq, then userId, descending. */
const NEWEST_FIRST = [A6, D1, C2, B2, A5, C1, A4, A3, B1, A2, A1];

let db: ScratchDatabase;
beforeAll(async () => {
  db = await scratchDatabase();
  await db.onEveryServer(`SYSTEM STOP MERGES ${db.localTable}`); // keep the copies below in parts of their own
  const store = new ClickHouseStore(db.ch, { maxDelayMs: 10 });
  expect(await store.apply(ALL)).toEqual({ applied: 11, duplicates: 0 });
  // Copies behind the store's back: FINAL folds them.
  await db.ch.insert('events', [toRow(a.events[0]!), toRow(c.events[1]!), toRow(d.events[0]!)], INSERT_SETTINGS);
});
afterAll(async () => {
  await db?.drop();
});

const keys = (items: AdminEvent[]) => items.map((e) => key(e.userId, e.seq));
const find = async (f: EventFilters) => {
  const page = await searchEvents(db.ch, f, { limit: 500 });
  expect(page.nextCursor).toBeNull();
  return keys(page.items);
};

async function text(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe('events search', () => {
  it('finds every event once, newest first, ties by seq then userId, copies folded', async () => {
    expect(await find({})).toEqual(NEWEST_FIRST);
    // The fields of an item: the event's, the absent ones left out.
    const [first] = (await searchEvents(db.ch, { userId: A }, { limit: 1 })).items;
    expect(first).toEqual({
      eventId: `${A}-6`,
      userId: A,
      seq: 6,
      type: 'POINTS_USE_CANCELED',
      amount: 100,
      balanceAfter: 1100,
      occurredAt: new Date(T + 7 * H).toISOString(),
      useId: 'uA1',
    });
    const hold = (await searchEvents(db.ch, { holdId: 'hA1' })).items;
    expect(hold).toEqual([
      {
        eventId: `${A}-4`,
        userId: A,
        seq: 4,
        type: 'POINTS_HELD',
        amount: 200,
        balanceAfter: 1000,
        occurredAt: new Date(T + 3 * H).toISOString(),
        holdId: 'hA1',
        orderId: 'o-hA1',
      },
    ]);
    expect(hold[0]!.occurredAt).toBe('2024-03-01T13:00:00.123Z');
  });

  it('each filter alone', async () => {
    expect(await find({ userId: A })).toEqual([A6, A5, A4, A3, A2, A1]);
    expect(await find({ userId: 'nobody' })).toEqual([]);
    expect(await find({ type: 'POINTS_GRANTED' })).toEqual([D1, C1, B1, A2, A1]);
    expect(await find({ type: 'POINTS_GRANT_PENDING' })).toEqual([A5]);
    expect(await find({ orderId: 'o-uA1' })).toEqual([A3]);
    // The event's own grantId: the grant and its revocation, not the uses that took from it.
    expect(await find({ grantId: g(C, 'c1') })).toEqual([C2, C1]);
    expect(await find({ grantId: g(A, 'a2') })).toEqual([A2]);
    expect(await find({ useId: 'uA1' })).toEqual([A6, A3]);
    expect(await find({ holdId: 'hA1' })).toEqual([A4]);
    expect(await find({ source: 'shop' })).toEqual([C1, A1]);
    expect(await find({ source: 'promo' })).toEqual([A2]);
  });

  it('reasonContains: a part of the reason, case-insensitive, with %, _ and quotes as plain characters', async () => {
    expect(await find({ reasonContains: '%' })).toEqual([A2]);
    expect(await find({ reasonContains: '0% B' })).toEqual([A2]);
    expect(await find({ reasonContains: '_' })).toEqual([B2]);
    expect(await find({ reasonContains: "'" })).toEqual([A5]);
    expect(await find({ reasonContains: "o'brien" })).toEqual([A5]);
    expect(await find({ reasonContains: 'BRIEN' })).toEqual([D1, A5]);
    expect(await find({ reasonContains: 'AXB' })).toEqual([C1]);
    expect(await find({ reasonContains: '"friend"\nline' })).toEqual([A1]);
    expect(await find({ reasonContains: "' OR 1=1 --" })).toEqual([]);
    expect(await find({ reasonContains: '\\' })).toEqual([]);
  });

  it('from, to, minAmount and maxAmount are inclusive, to the millisecond', async () => {
    expect(await find({ from: T + 5 * H })).toEqual([A6, D1, C2, B2]);
    expect(await find({ from: T + 5 * H + 1 })).toEqual([A6, D1]);
    expect(await find({ to: T + 2 * H })).toEqual([A3, B1, A2, A1]);
    expect(await find({ to: T + 2 * H - 1 })).toEqual([A2, A1]);
    expect(await find({ from: T + 4 * H, to: T + 4 * H })).toEqual([A5, C1]);
    expect(await find({ to: T - 1 })).toEqual([]);
    expect(await find({ from: Date.UTC(1960, 0, 1), to: -1 })).toEqual([]);
    expect(await find({ from: Date.UTC(1960, 0, 1) })).toEqual(NEWEST_FIRST);
    expect(await find({ minAmount: 300 })).toEqual([A3, B1, A2, A1]);
    expect(await find({ maxAmount: 100 })).toEqual([A6, C2, B2, A5]);
    expect(await find({ minAmount: 200, maxAmount: 200 })).toEqual([D1, C1, A4]);
  });

  it('filters combined: every one must hold', async () => {
    expect(await find({ userId: A, type: 'POINTS_GRANTED' })).toEqual([A2, A1]);
    expect(await find({ source: 'shop', from: T + 1 })).toEqual([C1]);
    expect(await find({ reasonContains: 'b', maxAmount: 100 })).toEqual([B2, A5]);
    expect(await find({ userId: C, type: 'POINTS_REVOKED', grantId: g(C, 'c1'), from: T + 5 * H, to: T + 5 * H, minAmount: 50, maxAmount: 50 })).toEqual([C2]);
    expect(await find({ userId: B, source: 'shop' })).toEqual([]);
    expect(
      await find({
        userId: A,
        type: 'POINTS_GRANTED',
        orderId: 'x',
        grantId: 'x',
        useId: 'x',
        holdId: 'x',
        source: 'x',
        reasonContains: 'x',
        from: T,
        to: T,
        minAmount: 1,
        maxAmount: 1,
      }),
    ).toEqual([]);
  });

  it('pages by cursor: limit rows each, nextCursor null on the last page, even when it is full', async () => {
    const pages: string[][] = [];
    let after: ReturnType<typeof decodeEventsCursor> | undefined;
    for (;;) {
      const page = await searchEvents(db.ch, {}, { limit: 3, after });
      pages.push(keys(page.items));
      if (page.nextCursor === null) break;
      after = decodeEventsCursor(page.nextCursor);
    }
    expect(pages).toEqual([
      [A6, D1, C2],
      [B2, A5, C1],
      [A4, A3, B1],
      [A2, A1],
    ]);
    const all = await searchEvents(db.ch, {}, { limit: 11 });
    expect(all.nextCursor).toBeNull();
    const ten = await searchEvents(db.ch, {}, { limit: 10 });
    expect(keys(ten.items)).toEqual(NEWEST_FIRST.slice(0, 10));
    const rest = await searchEvents(db.ch, {}, { limit: 10, after: decodeEventsCursor(ten.nextCursor!) });
    expect(keys(rest.items)).toEqual([A1]);
    expect(rest.nextCursor).toBeNull();
    // With filters, the cursor pages within them.
    const first = await searchEvents(db.ch, { type: 'POINTS_GRANTED' }, { limit: 2 });
    const second = await searchEvents(db.ch, { type: 'POINTS_GRANTED' }, { limit: 2, after: decodeEventsCursor(first.nextCursor!) });
    expect([...keys(first.items), ...keys(second.items)]).toEqual([D1, C1, B1, A2]);
  });

  it('refuses a cursor it did not make', () => {
    for (const bad of ['', 'abc', '!!!', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["u",5,"x"]').toString('base64url')]) {
      expect(() => decodeEventsCursor(bad), bad).toThrow(RangeError);
    }
    expect(() => decodeEventsCursor(Buffer.from('["e",-1,1,"x"]').toString('base64url'))).toThrow(RangeError);
    expect(() => decodeEventsCursor(Buffer.from('["e",1,0,"x"]').toString('base64url'))).toThrow(RangeError);
    expect(() => decodeEventsCursor(Buffer.from('["e",1,1.5,"x"]').toString('base64url'))).toThrow(RangeError);
    expect(() => decodeEventsCursor(Buffer.from('["e",1,1,""]').toString('base64url'))).toThrow(RangeError);
    expect(() => decodeUsersCursor(encodeEventsCursor({ occurredAtMs: 1, seq: 1, userId: 'x' }))).toThrow(RangeError);
    expect(decodeEventsCursor(encodeEventsCursor({ occurredAtMs: 5, seq: 2, userId: "o'x" }))).toEqual({ occurredAtMs: 5, seq: 2, userId: "o'x" });
  });

  it('CSV: a header of the JSON field names, then every match as the JSON pages have it, commas, quotes and newlines escaped', async () => {
    const csv = await text(await eventsCsv(db.ch, {}));
    const [header] = csv.split('\n');
    expect(header).toBe('eventId,userId,seq,type,amount,balanceAfter,occurredAt,grantId,useId,holdId,orderId,reason,source');
    expect(header).toBe(ADMIN_EVENT_FIELDS.join(','));
    expect(csv).toContain('"Welcome, ""friend""\nline two"');
    expect(csv).toContain(",O'Brien's gift,");
    const rows = await parse(csv, { columns: true });
    const json = (await searchEvents(db.ch, {}, { limit: 500 })).items;
    expect(rows).toHaveLength(11);
    // Every field as text; absent ones are empty cells.
    expect(rows).toEqual(json.map((e) => Object.fromEntries(ADMIN_EVENT_FIELDS.map((f) => [f, e[f] === undefined ? '' : String(e[f])]))));
    // With filters: only the matches.
    const b = await parse(await text(await eventsCsv(db.ch, { userId: B })), { columns: true });
    expect(b.map((r) => key(r.userId!, Number(r.seq)))).toEqual([B2, B1]);
    // No match: the header alone.
    expect(await text(await eventsCsv(db.ch, { userId: 'nobody' }))).toBe(`${ADMIN_EVENT_FIELDS.join(',')}\n`);
  });
});

describe('users search', () => {
  const now = T + 1 * D;
  const user = (userId: string, balance: number, held: number, pending: number, expiring: number, last: number) => ({
    userId,
    balance,
    held,
    pending,
    expiring,
    lastEventAt: new Date(last).toISOString(),
  });

  it("each user's figures after their last event, largest balance first, ties by userId; expiring exact from the allocations", async () => {
    // Window (now, now + 30 d]: a2 (T+10d) 300 of A, b1 (T+20d) 200 of B, d1 (T+5d) 200 of D; a1 (T+40d) and c1 (T+100d) later.
    const page = await searchUsers(db.ch, {}, now);
    expect(page).toEqual({
      items: [
        user(A, 1100, 200, 50, 300, T + 7 * H),
        user(B, 200, 0, 0, 200, T + 5 * H),
        user(DU, 200, 0, 0, 200, T + 6 * H),
        user(C, 150, 0, 0, 0, T + 5 * H),
      ],
      nextCursor: null,
    });
  });

  it('expiringWithinDays sets the window; lots already past their expiry and pending lots are not counted', async () => {
    const expiring = async (f: Parameters<typeof searchUsers>[1], at = now) =>
      Object.fromEntries((await searchUsers(db.ch, f, at)).items.map((u) => [u.userId, u.expiring]));
    // (now, now + 7 d]: d1 only.
    expect(await expiring({ expiringWithinDays: 7 })).toEqual({ [A]: 0, [B]: 0, [DU]: 200, [C]: 0 });
    // Ten years: every active lot; a3 is pending (50) and does not count; A's held 200 are not in a1.
    expect(await expiring({ expiringWithinDays: 3650 })).toEqual({ [A]: 1100, [B]: 200, [DU]: 200, [C]: 150 });
    // Six days on, d1 (T+5d) has lapsed (not swept yet): not expiring any more.
    expect(await expiring({}, T + 6 * D)).toEqual({ [A]: 300, [B]: 200, [DU]: 0, [C]: 0 });
    // The window's end is inclusive: a2 expires exactly 9 days after now.
    expect(await expiring({ expiringWithinDays: 9 })).toMatchObject({ [A]: 300 });
    expect(await expiring({ expiringWithinDays: 8 })).toMatchObject({ [A]: 0 });
  });

  it('minBalance, maxBalance and minExpiring are inclusive and combine', async () => {
    const ids = async (f: Parameters<typeof searchUsers>[1]) => (await searchUsers(db.ch, f, now)).items.map((u) => u.userId);
    expect(await ids({ minBalance: 200 })).toEqual([A, B, DU]);
    expect(await ids({ maxBalance: 200 })).toEqual([B, DU, C]);
    expect(await ids({ minBalance: 200, maxBalance: 200 })).toEqual([B, DU]);
    expect(await ids({ minBalance: 1101 })).toEqual([]);
    expect(await ids({ minExpiring: 200 })).toEqual([A, B, DU]);
    expect(await ids({ minExpiring: 201 })).toEqual([A]);
    expect(await ids({ expiringWithinDays: 7, minExpiring: 1 })).toEqual([DU]);
    expect(await ids({ maxBalance: 200, minExpiring: 200 })).toEqual([B, DU]);
  });

  it('pages by cursor, ties by userId across a page boundary', async () => {
    const seen: string[] = [];
    let after: ReturnType<typeof decodeUsersCursor> | undefined;
    let pages = 0;
    for (;;) {
      const page = await searchUsers(db.ch, {}, now, { limit: 2, after });
      pages++;
      seen.push(...page.items.map((u) => u.userId));
      if (page.nextCursor === null) break;
      after = decodeUsersCursor(page.nextCursor);
    }
    expect(pages).toBe(2);
    expect(seen).toEqual([A, B, DU, C]);
    // B and D both have 200: a page ending at B goes on with D.
    const one = await searchUsers(db.ch, {}, now, { limit: 2 });
    expect(decodeUsersCursor(one.nextCursor!)).toEqual({ balance: 200, userId: B });
    const next = await searchUsers(db.ch, { minBalance: 150 }, now, { limit: 1, after: { balance: 200, userId: B } });
    expect(next.items.map((u) => u.userId)).toEqual([DU]);
  });

  it('CSV: a header of the JSON field names, every match', async () => {
    const csv = await text(await usersCsv(db.ch, { maxBalance: 200 }, now));
    expect(csv.split('\n')[0]).toBe('userId,balance,held,pending,expiring,lastEventAt');
    expect(csv.split('\n')[0]).toBe(ADMIN_USER_FIELDS.join(','));
    expect(await parse(csv, { columns: true })).toEqual([
      { userId: B, balance: '200', held: '0', pending: '0', expiring: '200', lastEventAt: new Date(T + 5 * H).toISOString() },
      { userId: DU, balance: '200', held: '0', pending: '0', expiring: '200', lastEventAt: new Date(T + 6 * H).toISOString() },
      { userId: C, balance: '150', held: '0', pending: '0', expiring: '0', lastEventAt: new Date(T + 5 * H).toISOString() },
    ]);
  });
});

describe('paging while events arrive', () => {
  it('pages stay exact while new events arrive between pages: none repeated, none skipped', async () => {
    // Runs last: it adds events (of a new user E, and A's seq 7) that the other tests do not expect.
    const E = uniqueUser('ase');
    const store = new ClickHouseStore(db.ch, { maxDelayMs: 10 });
    const seen: string[] = [];
    const first = await searchEvents(db.ch, {}, { limit: 4 });
    seen.push(...keys(first.items));
    // New events: later than everything, and a new seq of A.
    const e = new LedgerBuilder(E).grant(g(E, 'e1'), 10, T + 8 * H, T + 30 * D).grant(g(E, 'e2'), 10, T + 9 * H, T + 30 * D);
    expect(await store.apply(e.events)).toMatchObject({ applied: 2 });
    let cursor = first.nextCursor;
    let more = 0;
    while (cursor !== null) {
      const page = await searchEvents(db.ch, {}, { limit: 4, after: decodeEventsCursor(cursor) });
      seen.push(...keys(page.items));
      cursor = page.nextCursor;
      if (more++ === 0) {
        a.grant(g(A, 'a4'), 5, T + 10 * H, T + 30 * D);
        expect(await store.apply(a.events.slice(6))).toMatchObject({ applied: 1 });
      }
    }
    expect(seen).toEqual(NEWEST_FIRST);
    // A new search starts with them.
    expect(keys((await searchEvents(db.ch, {}, { limit: 3 })).items)).toEqual([key(A, 7), key(E, 2), key(E, 1)]);
  });
});
