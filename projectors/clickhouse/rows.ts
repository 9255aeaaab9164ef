/**
 * The ClickHouse read model's `evolve`: one PointEvent becomes one row of `events`
 * (schema.ts), of any type of schema version 2: the row keeps the event's fields and
 * knows nothing of the domain (what a type means is the queries' business, analytics.ts). Pure: no IO, no clock. Every value is already in the text form both
 * ClickHouse 18.16 and current releases read (DateTime as 'YYYY-MM-DD hh:mm:ss' in UTC,
 * Date as 'YYYY-MM-DD', null for an empty Nullable). The writer sends the same values
 * as TabSeparated lines (toTsvLine), built without the row object.
 */
import type { EventType, PointEvent } from '../../schemas/point-event.ts';
import { utcDayText, utcTimeOfDayText } from '../shared/utc-text.ts';

/** One row of `events`: every field of the event, plus the derived time columns. */
export interface EventRow {
  eventId: string;
  userId: string;
  seq: number;
  type: EventType;
  amount: number;
  balanceAfter: number;
  /** UTC, whole seconds (clamped to what DateTime holds). */
  occurredAt: string;
  /** The exact time, epoch milliseconds. */
  occurredAtMs: number;
  /** The UTC day of occurredAt. */
  day: string;
  grantId: string | null;
  useId: string | null;
  cancellationId: string | null;
  /** UTC, whole seconds (clamped to what DateTime holds); null when the event has none. */
  expiresAt: string | null;
  /** The exact expiry, epoch milliseconds. */
  expiresAtMs: number | null;
  /** allocations as two parallel arrays: allocGrantIds[i] gave/got allocAmounts[i]. */
  allocGrantIds: string[];
  allocAmounts: number[];
  reason: string | null;
  source: string | null;
  orderId: string | null;
  /** HELD, HOLD_RELEASED, and USED when it is a hold's capture (schema version 2). */
  holdId: string | null;
  /** GRANT_PENDING: when the lot becomes usable, UTC, whole seconds (clamped); null otherwise. */
  availableAt: string | null;
  /** The exact availableAt, epoch milliseconds. */
  availableAtMs: number | null;
  /** The user's held and pending points after the event (0 in version-1 events). */
  heldAfter: number;
  pendingAfter: number;
}

/**
 * DateTime is 32-bit seconds, and 18.16's date tables end with 2105: a later time
 * (a grant may be valid for 100 years) is stored as the last second of 2105. The
 * *Ms columns keep the exact value.
 */
export const MAX_DATETIME_MS = Date.UTC(2105, 11, 31, 23, 59, 59);

function clamp(ms: number): number {
  return Math.min(Math.max(ms, 0), MAX_DATETIME_MS);
}

const DAY_MS = 86_400_000;

/** 'YYYY-MM-DD hh:mm:ss' in UTC, whole seconds, clamped to 1970..2105. */
export function toDateTimeText(ms: number): string {
  const t = Math.floor(clamp(ms) / 1000);
  const day = Math.floor(t / 86_400);
  return `${utcDayText(day)} ${utcTimeOfDayText(t - day * 86_400)}`;
}

/** 'YYYY-MM-DD', the UTC day, clamped to 1970..2105. */
export function toDayText(ms: number): string {
  return utcDayText(Math.floor(clamp(ms) / DAY_MS));
}

export function toRow(e: PointEvent): EventRow {
  return {
    eventId: e.eventId,
    userId: e.userId,
    seq: e.seq,
    type: e.type,
    amount: e.amount,
    balanceAfter: e.balanceAfter,
    occurredAt: toDateTimeText(e.occurredAt),
    occurredAtMs: Math.max(0, e.occurredAt),
    day: toDayText(e.occurredAt),
    grantId: e.grantId,
    useId: e.useId,
    cancellationId: e.cancellationId,
    expiresAt: e.expiresAt === null ? null : toDateTimeText(e.expiresAt),
    expiresAtMs: e.expiresAt === null ? null : Math.max(0, e.expiresAt),
    allocGrantIds: e.allocations.map((a) => a.grantId),
    allocAmounts: e.allocations.map((a) => a.amount),
    reason: e.reason,
    source: e.source,
    orderId: e.orderId,
    holdId: e.holdId,
    availableAt: e.availableAt === null ? null : toDateTimeText(e.availableAt),
    availableAtMs: e.availableAt === null ? null : Math.max(0, e.availableAt),
    heldAfter: e.heldAfter,
    pendingAfter: e.pendingAfter,
  };
}

/** The columns of a TabSeparated line (toTsvLine), in its order. */
export const TSV_COLUMNS: readonly (keyof EventRow)[] = [
  'eventId',
  'userId',
  'seq',
  'type',
  'amount',
  'balanceAfter',
  'occurredAt',
  'occurredAtMs',
  'day',
  'grantId',
  'useId',
  'cancellationId',
  'expiresAt',
  'expiresAtMs',
  'allocGrantIds',
  'allocAmounts',
  'reason',
  'source',
  'orderId',
  'holdId',
  'availableAt',
  'availableAtMs',
  'heldAfter',
  'pendingAfter',
];

/** The characters ClickHouse's escaped and quoted text forms write with a backslash. */
const ESCAPED = /[\\\t\n\r\0\b\f']/;
const ESCAPED_ALL = /[\\\t\n\r\0\b\f']/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0', '\b': '\\b', '\f': '\\f', "'": "\\'" };
/** A String value in TabSeparated (also right inside single quotes, for array elements). */
const tsvString = (v: string) => (ESCAPED.test(v) ? v.replace(ESCAPED_ALL, (c) => ESCAPES[c]!) : v);
const tsvNullable = (v: string | null) => (v === null ? '\\N' : tsvString(v));

/**
 * toRow(e) as one line of ClickHouse's TabSeparated format, columns in TSV_COLUMNS order:
 * the same values, half the bytes of JSONEachRow and no row object (the writer formats
 * every replayed event, so this is hot). Null is \N, arrays are ['a','b'] and [1,2].
 */
export function toTsvLine(e: PointEvent): string {
  let grantIds = '';
  let amounts = '';
  for (let i = 0; i < e.allocations.length; i++) {
    const a = e.allocations[i]!;
    grantIds += i === 0 ? `'${tsvString(a.grantId)}'` : `,'${tsvString(a.grantId)}'`;
    amounts += i === 0 ? `${a.amount}` : `,${a.amount}`;
  }
  return [
    tsvString(e.eventId),
    tsvString(e.userId),
    e.seq,
    tsvString(e.type),
    e.amount,
    e.balanceAfter,
    toDateTimeText(e.occurredAt),
    Math.max(0, e.occurredAt),
    toDayText(e.occurredAt),
    tsvNullable(e.grantId),
    tsvNullable(e.useId),
    tsvNullable(e.cancellationId),
    e.expiresAt === null ? '\\N' : toDateTimeText(e.expiresAt),
    e.expiresAt === null ? '\\N' : Math.max(0, e.expiresAt),
    `[${grantIds}]`,
    `[${amounts}]`,
    tsvNullable(e.reason),
    tsvNullable(e.source),
    tsvNullable(e.orderId),
    tsvNullable(e.holdId),
    e.availableAt === null ? '\\N' : toDateTimeText(e.availableAt),
    e.availableAt === null ? '\\N' : Math.max(0, e.availableAt),
    e.heldAfter,
    e.pendingAfter,
  ].join('\t');
}
