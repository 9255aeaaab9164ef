/**
 * The ClickHouse read model's `evolve`: one PointEvent becomes one row of `events`
 * (schema.ts). Pure: no IO, no clock. The row is what the writer sends as
 * JSONEachRow, so every value is already in the text form both ClickHouse 18.16
 * and current releases read (DateTime as 'YYYY-MM-DD hh:mm:ss' in UTC, Date as
 * 'YYYY-MM-DD', null for an empty Nullable).
 */
import type { EventType, PointEvent } from '../../api/src/points/types.ts';

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

/** 'YYYY-MM-DD hh:mm:ss' in UTC, whole seconds, clamped to 1970..2105. */
export function toDateTimeText(ms: number): string {
  return new Date(Math.floor(clamp(ms) / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** 'YYYY-MM-DD', the UTC day, clamped to 1970..2105. */
export function toDayText(ms: number): string {
  return new Date(clamp(ms)).toISOString().slice(0, 10);
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
  };
}
