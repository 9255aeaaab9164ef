/**
 * Reads of the ClickHouse read model for the API (analytics endpoints, history older
 * than Redis keeps), `make verify` (totals per user and type) and rebuilds.
 *
 * Every read uses FINAL: a duplicate that slipped past the writer's seq check and is
 * not merged away yet is folded at read time, so the numbers are exact (ADR 0005).
 * Values are checked here and quoted with quote() (18.16 has no query parameters).
 * 64-bit results arrive as strings from 18.16 and become JavaScript numbers.
 */
import { quote, quoteList, type ClickHouse } from '../../common/src/clickhouse.ts';
import type { DailyRow, ExpiringRow, TopUserRow } from '../../schemas/http-answers.ts';
import type { EventType } from '../../schemas/point-event.ts';
import { historyItem, type HistoryItem } from '../shared/history-item.ts';
import { EVENTS_TABLE } from './schema.ts';
import { checkDay, checkInt, inListChunks } from './sql.ts';

export { clickhouseFrom, type ClickHouseRole } from './client.ts';

const DAY_MS = 86_400_000;
type Num = string | number;

export type DailyMovement = DailyRow;

/**
 * Points moved per UTC day, by type, for each day from `fromDay` to `toDay`
 * (inclusive, 'YYYY-MM-DD') that has events; days without events are absent.
 * activeUsers counts users with a grant, use, cancellation or revocation that day:
 * an expiry is the sweep's doing, not the user's.
 */
export async function dailyMovement(ch: ClickHouse, fromDay: string, toDay: string): Promise<DailyMovement[]> {
  checkDay(fromDay, 'fromDay');
  checkDay(toDay, 'toDay');
  const rows = await ch.query<Record<keyof DailyMovement, Num>>(`
    SELECT day,
           sumIf(amount, type = 'POINTS_GRANTED') AS granted,
           sumIf(amount, type = 'POINTS_USED') AS used,
           sumIf(amount, type = 'POINTS_USE_CANCELED') AS useCanceled,
           sumIf(amount, type = 'POINTS_EXPIRED') AS expired,
           sumIf(amount, type = 'POINTS_REVOKED') AS revoked,
           uniqExactIf(userId, type != 'POINTS_EXPIRED') AS activeUsers
    FROM ${EVENTS_TABLE} FINAL
    WHERE day >= toDate(${quote(fromDay)}) AND day <= toDate(${quote(toDay)})
    GROUP BY day
    ORDER BY day`);
  return rows.map((r) => ({
    day: String(r.day),
    granted: Number(r.granted),
    used: Number(r.used),
    useCanceled: Number(r.useCanceled),
    expired: Number(r.expired),
    revoked: Number(r.revoked),
    activeUsers: Number(r.activeUsers),
  }));
}

export type ExpiringDay = ExpiringRow;

/**
 * The SQL of what each lot still holds: the grant, minus what uses took from it, plus
 * what cancellations gave back to it, minus what expired or was revoked from it.
 * One row per (userId, lot) among the grants `grantFilter` selects.
 */
export function lotRemainingSql(grantFilter: string): string {
  return `
    SELECT userId, lot,
           sum(delta) AS remaining,
           maxIf(expiresAt, type = 'POINTS_GRANTED') AS lotExpiresAt
    FROM ${EVENTS_TABLE} FINAL
    ARRAY JOIN
      if(type IN ('POINTS_USED', 'POINTS_USE_CANCELED'), allocGrantIds, [assumeNotNull(grantId)]) AS lot,
      multiIf(type = 'POINTS_USED', arrayMap(x -> -x, allocAmounts),
              type = 'POINTS_USE_CANCELED', allocAmounts,
              type = 'POINTS_GRANTED', [amount],
              [-amount]) AS delta
    WHERE lot IN (SELECT assumeNotNull(grantId) FROM ${EVENTS_TABLE} FINAL WHERE type = 'POINTS_GRANTED' AND ${grantFilter})
    GROUP BY userId, lot`;
}

/**
 * Points that will expire per UTC day ahead: lots whose expiry lies after `now` (epoch
 * ms) and at most `days` days later, with what each still holds (lots with nothing
 * left are not counted). Days without such lots are absent.
 */
export async function expiringPerDay(ch: ClickHouse, days: number, now: number): Promise<ExpiringDay[]> {
  checkInt(days, 'days', 1, 3660);
  checkInt(now, 'now', 0, Date.UTC(2100, 0, 1));
  const rows = await ch.query<{ day: string; points: Num; lots: Num }>(`
    SELECT toDate(lotExpiresAt) AS day, sum(remaining) AS points, count() AS lots
    FROM (${lotRemainingSql(`expiresAtMs > ${now} AND expiresAtMs <= ${now + days * DAY_MS}`)})
    WHERE remaining > 0
    GROUP BY day
    ORDER BY day`);
  return rows.map((r) => ({ day: String(r.day), points: Number(r.points), lots: Number(r.lots) }));
}

export type TopUser = TopUserRow;

/**
 * The users who earned or spent the most from `fromDay` to `toDay` (inclusive).
 * earned = granted − revoked; spent = used − use-cancelled (both within the range).
 * Only users with a positive total; ties by userId.
 */
export async function topUsers(ch: ClickHouse, by: 'earned' | 'spent', fromDay: string, toDay: string, limit: number): Promise<TopUser[]> {
  checkDay(fromDay, 'fromDay');
  checkDay(toDay, 'toDay');
  checkInt(limit, 'limit', 1, 10_000);
  const [plus, minus] = by === 'earned' ? ['POINTS_GRANTED', 'POINTS_REVOKED'] : by === 'spent' ? ['POINTS_USED', 'POINTS_USE_CANCELED'] : [];
  if (!plus || !minus) throw new RangeError(`by must be earned or spent, got "${String(by)}"`);
  const rows = await ch.query<{ userId: string; points: Num }>(`
    SELECT userId, sumIf(amount, type = '${plus}') - sumIf(amount, type = '${minus}') AS points
    FROM ${EVENTS_TABLE} FINAL
    WHERE day >= toDate(${quote(fromDay)}) AND day <= toDate(${quote(toDay)}) AND type IN ('${plus}', '${minus}')
    GROUP BY userId
    HAVING points > 0
    ORDER BY points DESC, userId
    LIMIT ${limit}`);
  return rows.map((r) => ({ userId: r.userId, points: Number(r.points) }));
}

export interface TypeTotal {
  amount: number;
  count: number;
}

/**
 * Σ amount and number of events per user and type, exact (FINAL), keyed
 * `${userId}|${type}`; all users when `userIds` is not given (`make verify`).
 */
export async function totalsPerUserAndType(ch: ClickHouse, userIds?: string[]): Promise<Map<string, TypeTotal>> {
  const out = new Map<string, TypeTotal>();
  const filters = userIds === undefined ? [''] : inListChunks(userIds).map((c) => `WHERE userId IN ${quoteList(c)}`);
  for (const where of filters) {
    const rows = await ch.query<{ userId: string; type: string; amount: Num; count: Num }>(`
      SELECT userId, type, sum(amount) AS amount, count() AS count
      FROM ${EVENTS_TABLE} FINAL
      ${where}
      GROUP BY userId, type`);
    for (const r of rows) out.set(`${r.userId}|${r.type}`, { amount: Number(r.amount), count: Number(r.count) });
  }
  return out;
}

/**
 * A user's events with seq below `beforeSeq`, newest first, at most `limit`: the API's
 * history pages older than Redis keeps, in the same item shape as Redis's (null fields
 * left out).
 */
export async function historyBefore(ch: ClickHouse, userId: string, beforeSeq: number, limit: number): Promise<HistoryItem[]> {
  checkInt(beforeSeq, 'beforeSeq', 1, Number.MAX_SAFE_INTEGER);
  checkInt(limit, 'limit', 1, 10_000);
  const rows = await ch.query<{
    eventId: string; seq: Num; type: EventType; amount: Num; balanceAfter: Num; occurredAtMs: Num;
    grantId: string | null; useId: string | null; cancellationId: string | null; orderId: string | null; reason: string | null;
  }>(`
    SELECT eventId, seq, type, amount, balanceAfter, occurredAtMs, grantId, useId, cancellationId, orderId, reason
    FROM ${EVENTS_TABLE} FINAL
    WHERE userId = ${quote(userId)} AND seq < ${beforeSeq}
    ORDER BY seq DESC
    LIMIT ${limit}`);
  return rows.map((r) =>
    historyItem({
      ...r,
      seq: Number(r.seq),
      amount: Number(r.amount),
      balanceAfter: Number(r.balanceAfter),
      occurredAt: Number(r.occurredAtMs),
    }),
  );
}

/** Empties the read model (before a rebuild from offset 0). Needs the writer user. */
export async function truncate(ch: ClickHouse): Promise<void> {
  await ch.exec(`TRUNCATE TABLE ${EVENTS_TABLE}`);
}
