/**
 * The admin search of the ClickHouse read model (API.md "Operations"): events by any
 * combination of filters, users by balance and expiring points, a page at a time (keyset
 * cursor) or all of them as CSV, streamed. Read by the API (api/src/routes/admin-search.ts),
 * as analytics.ts is.
 *
 * Every read uses FINAL (a copy that slipped past the writer's seq check is folded, ADR
 * 0005). Filters are values: checked here, and quoted with quote() or written as checked
 * integers (18.16 has no query parameters). 64-bit results arrive as strings from 18.16.
 *
 * Order and paging. Events: occurredAtMs, seq, userId, all descending. (userId, seq) is
 * unique once FINAL has folded copies, so the order is total, and the cursor is the last
 * row's (occurredAtMs, seq, userId): the next page is every match strictly after it, a
 * keyset, so nothing is repeated or skipped whatever arrives between pages (a new event
 * is newer than the page's rows and sorts before the cursor). Users: balance descending,
 * then userId ascending, cursor (balance, userId); a user whose balance changes between
 * two pages moves in that order (docs/admin-search.md). The tuple comparisons are written
 * out as ORs: plain comparisons every ClickHouse version reads the same way.
 *
 * Cluster (ADR 0012): `events` is Distributed, sharded by userId. The events search and
 * the users' figures are plain reads over it (each shard filters and aggregates its own
 * users, the entry server merges and sorts). The users' expiring points come from
 * lotRemainingSql, whose IN subquery runs per shard (DISTRIBUTED_IN_LOCAL), as
 * expiringPerDay's does.
 *
 * CSV: every match, in the same order, no limit: rows come from ClickHouse as a stream
 * (ClickHouse.stream, JSONEachRow) and go out through csv-stringify as they arrive, with
 * back-pressure from the HTTP answer down to ClickHouse's; never held in an array.
 */
import { Transform, pipeline, type Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { quote, quoteList, type ClickHouse } from '../../common/src/clickhouse.ts';
import {
  ADMIN_EVENT_FIELDS,
  ADMIN_USER_FIELDS,
  type AdminEvent,
  type AdminEventsPage,
  type AdminUser,
  type AdminUsersPage,
} from '../../schemas/admin-answers.ts';
import { EVENT_TYPES } from '../../schemas/point-event.ts';
import { DISTRIBUTED_IN_LOCAL, lotRemainingSql } from './analytics.ts';
import { EVENTS_TABLE } from './schema.ts';
import { checkInt } from './sql.ts';

const DAY_MS = 86_400_000;
type Num = string | number;

/** The most rows one page may have, and its default (API.md). */
export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 100;
/** The users' `expiring` window when none is asked for (the balance's expiringSoon counts 30 days too). */
export const DEFAULT_EXPIRING_DAYS = 30;
export const MAX_EXPIRING_DAYS = 3650;

/**
 * What a CSV export may take beyond an analyst's page query: every row (the analyst
 * profile caps results at 1,000,000 rows and 60 s), at most 10 minutes of ClickHouse
 * time (a slow download holds the query open), and a sort that goes to disk past 500 MB
 * instead of failing at the profile's memory limit (1 GB). readonly=2 lets the analyst set
 * these.
 */
export const EXPORT_SETTINGS = {
  max_result_rows: '0',
  max_result_bytes: '0',
  max_execution_time: 600,
  max_bytes_before_external_sort: '500000000',
} as const;

/** The filters of the events search; every one given must hold (AND). Times are epoch ms, inclusive. */
export interface EventFilters {
  userId?: string;
  type?: string;
  orderId?: string;
  grantId?: string;
  useId?: string;
  holdId?: string;
  source?: string;
  /** A substring of the reason, case-insensitive (UTF-8); %, _ and quotes are plain characters. */
  reasonContains?: string;
  from?: number;
  to?: number;
  minAmount?: number;
  maxAmount?: number;
}

/** The sort key of the last event of a page: where the next page starts (after it). */
export interface EventsCursor {
  occurredAtMs: number;
  seq: number;
  userId: string;
}

export interface UserFilters {
  minBalance?: number;
  maxBalance?: number;
  /** The window of `expiring`, in days from now (default DEFAULT_EXPIRING_DAYS). */
  expiringWithinDays?: number;
  minExpiring?: number;
}

/** The sort key of the last user of a page. */
export interface UsersCursor {
  balance: number;
  userId: string;
}

// ---------------------------------------------------------------------------
// Cursors: base64url of the last row's sort key, with a tag saying which search made it.

const MAX_ID_LENGTH = 256;

function encode(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decode(cursor: string, tag: string, length: number): unknown[] {
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(cursor)) throw new RangeError('cursor is not a cursor of this search');
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new RangeError('cursor is not a cursor of this search');
  }
  if (!Array.isArray(key) || key.length !== length || key[0] !== tag) throw new RangeError('cursor is not a cursor of this search');
  return key;
}

const safeInt = (v: unknown, min: number): v is number => Number.isSafeInteger(v) && (v as number) >= min;
const id = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH;

export function encodeEventsCursor(c: EventsCursor): string {
  return encode(['e', c.occurredAtMs, c.seq, c.userId]);
}

/** The cursor of an events page, or a RangeError for anything this search did not make. */
export function decodeEventsCursor(cursor: string): EventsCursor {
  const [, occurredAtMs, seq, userId] = decode(cursor, 'e', 4);
  if (!safeInt(occurredAtMs, 0) || !safeInt(seq, 1) || !id(userId)) throw new RangeError('cursor is not a cursor of this search');
  return { occurredAtMs, seq, userId };
}

export function encodeUsersCursor(c: UsersCursor): string {
  return encode(['u', c.balance, c.userId]);
}

/** The cursor of a users page, or a RangeError for anything this search did not make. */
export function decodeUsersCursor(cursor: string): UsersCursor {
  const [, balance, userId] = decode(cursor, 'u', 3);
  if (!Number.isSafeInteger(balance) || !id(userId)) throw new RangeError('cursor is not a cursor of this search');
  return { balance: balance as number, userId };
}

// ---------------------------------------------------------------------------
// The events search.

const EVENT_COLUMNS = 'eventId, userId, seq, type, amount, balanceAfter, occurredAtMs, grantId, useId, holdId, orderId, reason, source';
const EVENTS_ORDER = 'ORDER BY occurredAtMs DESC, seq DESC, userId DESC';
const MAX_MS = Number.MAX_SAFE_INTEGER;

function text(value: string, name: string, max = 1000): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw new RangeError(`${name} must be 1 to ${max} characters`);
  return value;
}

/** The WHERE conditions of the filters (AND), each value checked and quoted. */
export function eventConditions(f: EventFilters): string[] {
  const where: string[] = [];
  const equal = (column: keyof EventFilters & string, value: string | undefined) => {
    if (value !== undefined) where.push(`${column} = ${quote(text(value, column))}`);
  };
  equal('userId', f.userId);
  if (f.type !== undefined) {
    if (!(EVENT_TYPES as readonly string[]).includes(f.type)) throw new RangeError(`type must be one of ${EVENT_TYPES.join(', ')}`);
    where.push(`type = ${quote(f.type)}`);
  }
  equal('orderId', f.orderId);
  equal('grantId', f.grantId);
  equal('useId', f.useId);
  equal('holdId', f.holdId);
  equal('source', f.source);
  // position() looks for the needle as it is: no pattern, so % and _ are plain characters.
  if (f.reasonContains !== undefined) where.push(`positionCaseInsensitiveUTF8(reason, ${quote(text(f.reasonContains, 'reasonContains'))}) > 0`);
  // occurredAtMs is a UInt64: a bound before 1970 is 0, or no event at all.
  if (f.from !== undefined) where.push(`occurredAtMs >= ${Math.max(0, checkInt(f.from, 'from', -MAX_MS, MAX_MS))}`);
  if (f.to !== undefined) where.push(checkInt(f.to, 'to', -MAX_MS, MAX_MS) < 0 ? '0' : `occurredAtMs <= ${f.to}`);
  if (f.minAmount !== undefined) where.push(`amount >= ${checkInt(f.minAmount, 'minAmount', 0, MAX_MS)}`);
  if (f.maxAmount !== undefined) where.push(`amount <= ${checkInt(f.maxAmount, 'maxAmount', 0, MAX_MS)}`);
  return where;
}

/** Strictly after the cursor in the events' order: (occurredAtMs, seq, userId) < the cursor's, written out. */
export function afterEventsCursor(c: EventsCursor): string {
  const t = checkInt(c.occurredAtMs, 'cursor.occurredAtMs', 0, MAX_MS);
  const s = checkInt(c.seq, 'cursor.seq', 1, MAX_MS);
  const u = quote(text(c.userId, 'cursor.userId', MAX_ID_LENGTH));
  return `(occurredAtMs < ${t} OR (occurredAtMs = ${t} AND (seq < ${s} OR (seq = ${s} AND userId < ${u}))))`;
}

/** The SELECT of the events search: a page of `limit` rows after `after`, or (no limit) every match. */
export function eventsSql(f: EventFilters, page?: { limit: number; after?: EventsCursor }): string {
  const where = eventConditions(f);
  if (page?.after) where.push(afterEventsCursor(page.after));
  const limit = page ? `LIMIT ${checkInt(page.limit, 'limit', 1, MAX_PAGE + 1)}` : '';
  // PREWHERE: the filters narrow the rows before FINAL folds copies (several times faster
  // than WHERE on 18.16). Right here: the copies FINAL folds are one event's identical rows,
  // so a filter keeps all of them or none.
  return `
    SELECT ${EVENT_COLUMNS}
    FROM ${EVENTS_TABLE} FINAL
    ${where.length > 0 ? `PREWHERE ${where.join('\n      AND ')}` : ''}
    ${EVENTS_ORDER}
    ${limit}`;
}

type EventRecord = {
  eventId: string;
  userId: string;
  seq: Num;
  type: string;
  amount: Num;
  balanceAfter: Num;
  occurredAtMs: Num;
  grantId: string | null;
  useId: string | null;
  holdId: string | null;
  orderId: string | null;
  reason: string | null;
  source: string | null;
};

const OPTIONAL_EVENT_FIELDS = ['grantId', 'useId', 'holdId', 'orderId', 'reason', 'source'] as const;

function toAdminEvent(r: EventRecord): AdminEvent {
  const e: AdminEvent = {
    eventId: r.eventId,
    userId: r.userId,
    seq: Number(r.seq),
    type: r.type,
    amount: Number(r.amount),
    balanceAfter: Number(r.balanceAfter),
    occurredAt: new Date(Number(r.occurredAtMs)).toISOString(),
  };
  for (const k of OPTIONAL_EVENT_FIELDS) if (r[k] !== null) e[k] = r[k];
  return e;
}

/** A page of the events search, newest first; nextCursor null when nothing follows. */
export async function searchEvents(ch: ClickHouse, f: EventFilters, page: { limit?: number; after?: EventsCursor } = {}): Promise<AdminEventsPage> {
  const limit = checkInt(page.limit ?? DEFAULT_PAGE, 'limit', 1, MAX_PAGE);
  // One row more than the page says whether another page follows.
  const rows = await ch.query<EventRecord>(eventsSql(f, { limit: limit + 1, after: page.after }));
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(toAdminEvent),
    nextCursor:
      rows.length > limit && last ? encodeEventsCursor({ occurredAtMs: Number(last.occurredAtMs), seq: Number(last.seq), userId: last.userId }) : null,
  };
}

// ---------------------------------------------------------------------------
// The users search.

function expiringWindow(days: number, now: number): string {
  checkInt(days, 'expiringWithinDays', 1, MAX_EXPIRING_DAYS);
  checkInt(now, 'now', 0, Date.UTC(2100, 0, 1));
  return `expiresAtMs > ${now} AND expiresAtMs <= ${now + days * DAY_MS}`;
}

/** Strictly after the cursor in the users' order (balance descending, userId ascending), written out. */
export function afterUsersCursor(c: UsersCursor): string {
  const b = checkInt(c.balance, 'cursor.balance', -MAX_MS, MAX_MS);
  return `(balance < ${b} OR (balance = ${b} AND userId > ${quote(text(c.userId, 'cursor.userId', MAX_ID_LENGTH))}))`;
}

/** Each user's figures after their last event (by seq) and the time of their latest event, with the balance bounds and the cursor. */
function figuresSql(f: UserFilters, after?: UsersCursor): string {
  const having: string[] = [];
  if (f.minBalance !== undefined) having.push(`balance >= ${checkInt(f.minBalance, 'minBalance', -MAX_MS, MAX_MS)}`);
  if (f.maxBalance !== undefined) having.push(`balance <= ${checkInt(f.maxBalance, 'maxBalance', -MAX_MS, MAX_MS)}`);
  if (after) having.push(afterUsersCursor(after));
  return `
      SELECT userId,
             argMax(balanceAfter, seq) AS balance,
             argMax(heldAfter, seq) AS held,
             argMax(pendingAfter, seq) AS pending,
             max(occurredAtMs) AS lastEventAtMs
      FROM ${EVENTS_TABLE} FINAL
      GROUP BY userId
      ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''}`;
}

/**
 * Per user (of those `userFilter` selects, or all): `expiring`, what their active lots that
 * expire within the window still hold, exact from the allocations (lotRemainingSql, the
 * lots of expiringPerDay). Users without such points are absent. Run with DISTRIBUTED_IN_LOCAL.
 */
export function expiringSql(f: UserFilters, now: number, userFilter?: string): string {
  return `
      SELECT userId, sum(remaining) AS expiring
      FROM (${lotRemainingSql(expiringWindow(f.expiringWithinDays ?? DEFAULT_EXPIRING_DAYS, now), userFilter)})
      WHERE remaining > 0 AND pending = 0
      GROUP BY userId`;
}

/**
 * The SELECT of the users search in one query: the figures (figuresSql) joined with
 * `expiring` (expiringSql, 0 when none), filtered by minExpiring, largest balance first. A
 * page of `limit` after `after`, or (no page) every match: the CSV, and pages with
 * minExpiring, which needs every user's expiring points. Run with DISTRIBUTED_IN_LOCAL.
 */
export function usersSql(f: UserFilters, now: number, page?: { limit: number; after?: UsersCursor }): string {
  const where = f.minExpiring === undefined ? '' : `WHERE expiring >= ${checkInt(f.minExpiring, 'minExpiring', 0, MAX_MS)}`;
  const limit = page ? `LIMIT ${checkInt(page.limit, 'limit', 1, MAX_PAGE + 1)}` : '';
  return `
    SELECT userId, balance, held, pending, expiring, lastEventAtMs
    FROM (${figuresSql(f, page?.after)})
    ANY LEFT JOIN (${expiringSql(f, now)}) USING userId
    ${where}
    ORDER BY balance DESC, userId
    ${limit}`;
}

/** A page of the figures alone (no minExpiring): the page's users' expiring points come after, for them only. */
export function usersPageSql(f: UserFilters, page: { limit: number; after?: UsersCursor }): string {
  return `
    SELECT userId, balance, held, pending, lastEventAtMs
    FROM (${figuresSql(f, page.after)})
    ORDER BY balance DESC, userId
    LIMIT ${checkInt(page.limit, 'limit', 1, MAX_PAGE + 1)}`;
}

type UserRecord = { userId: string; balance: Num; held: Num; pending: Num; expiring: Num; lastEventAtMs: Num };

function toAdminUser(r: UserRecord): AdminUser {
  return {
    userId: r.userId,
    balance: Number(r.balance),
    held: Number(r.held),
    pending: Number(r.pending),
    expiring: Number(r.expiring),
    lastEventAt: new Date(Number(r.lastEventAtMs)).toISOString(),
  };
}

/**
 * A page of the users search, largest balance first; `now` (epoch ms) starts the expiring
 * window. Without minExpiring (or with 0), in two steps: the page by the figures alone,
 * then the expiring points of its users only (a few hundred rows read instead of every
 * lot's). With minExpiring > 0, one query over every user's expiring points (usersSql).
 */
export async function searchUsers(ch: ClickHouse, f: UserFilters, now: number, page: { limit?: number; after?: UsersCursor } = {}): Promise<AdminUsersPage> {
  const limit = checkInt(page.limit ?? DEFAULT_PAGE, 'limit', 1, MAX_PAGE);
  const more = { limit: limit + 1, after: page.after };
  let rows: UserRecord[];
  if ((f.minExpiring ?? 0) > 0) {
    rows = await ch.query<UserRecord>(usersSql(f, now, more), DISTRIBUTED_IN_LOCAL);
  } else {
    const figures = await ch.query<Omit<UserRecord, 'expiring'>>(usersPageSql(f, more));
    // Checked here too (the window goes into SQL as numbers), also when the page is empty.
    const sql = expiringSql(f, now, `userId IN ${quoteList(figures.map((r) => r.userId))}`);
    const expiring = new Map<string, Num>();
    if (figures.length > 0) for (const r of await ch.query<{ userId: string; expiring: Num }>(sql, DISTRIBUTED_IN_LOCAL)) expiring.set(r.userId, r.expiring);
    rows = figures.map((r) => ({ ...r, expiring: expiring.get(r.userId) ?? 0 }));
  }
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(toAdminUser),
    nextCursor: rows.length > limit && last ? encodeUsersCursor({ balance: Number(last.balance), userId: last.userId }) : null,
  };
}

// ---------------------------------------------------------------------------
// CSV: every match, streamed.

/**
 * The CSV text of a stream of ClickHouse rows (batches of JSONEachRow rows): a header of
 * `columns`, then one record per row as `record` makes it (null and absent fields are
 * empty cells). A pipeline, so back-pressure runs from the returned stream down to
 * ClickHouse's response, and an error anywhere (a late ClickHouse exception, a closed
 * answer) destroys every stage, the ClickHouse connection included.
 */
function csvOf<R>(rows: Readable, columns: readonly string[], record: (r: R) => Record<string, unknown>): Readable {
  const records = new Transform({
    objectMode: true,
    transform(batch: { json: <T>() => T }[], _encoding, done) {
      try {
        for (const row of batch) this.push(record(row.json<R>()));
        done();
      } catch (e) {
        done(e as Error);
      }
    },
  });
  const csv = stringify({ header: true, columns: [...columns] });
  return pipeline(rows, records, csv, () => undefined);
}

/** Every event the filters match, newest first, as CSV (header ADMIN_EVENT_FIELDS). Rejects when ClickHouse does not start to answer. */
export async function eventsCsv(ch: ClickHouse, f: EventFilters): Promise<Readable> {
  const rows = await ch.stream(eventsSql(f), EXPORT_SETTINGS);
  return csvOf<EventRecord>(rows, ADMIN_EVENT_FIELDS, toAdminEvent);
}

/** Every user the filters match, largest balance first, as CSV (header ADMIN_USER_FIELDS). */
export async function usersCsv(ch: ClickHouse, f: UserFilters, now: number): Promise<Readable> {
  const rows = await ch.stream(usersSql(f, now), { ...EXPORT_SETTINGS, ...DISTRIBUTED_IN_LOCAL });
  return csvOf<UserRecord>(rows, ADMIN_USER_FIELDS, toAdminUser);
}
