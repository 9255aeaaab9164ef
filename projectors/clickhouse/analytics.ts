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
import type { CohortRow, DailyRow, ExpiringRow, LiabilityAnswer, TopUserRow } from '../../schemas/http-answers.ts';
import type { EventType } from '../../schemas/point-event.ts';
import { historyItem, type HistoryItem } from '../shared/history-item.ts';
import { EVENTS_TABLE } from './schema.ts';
import { checkDay, checkInt, checkMonth, inListChunks } from './sql.ts';

export { clickhouseFrom, type ClickHouseRole } from './client.ts';

const DAY_MS = 86_400_000;
type Num = string | number;

export type DailyMovement = DailyRow;

/**
 * What the event types of schema version 2 (ADR 0013) count as, in every query here:
 * - a grant is POINTS_GRANTED or POINTS_GRANT_PENDING: both make a lot, and `granted`
 *   counts both on the day they are made (as the liability's `granted` of API.md counts
 *   every grant, pending or not); POINTS_GRANT_ACTIVATED moves a pending lot's points into
 *   the balance and is no new grant, so it counts in no figure;
 * - POINTS_USED counts as used, a hold's capture (holdId set) included; POINTS_HELD and
 *   POINTS_HOLD_RELEASED are neither used nor cancelled: held points are still the
 *   user's (they come back, or a capture's POINTS_USED spends them);
 * - POINTS_REVOKED counts as revoked whether it takes part of a lot or all of it, from
 *   an active or a pending lot.
 * So, summed over all days, granted − used + useCanceled − expired − revoked is what the
 * users own: Σ balance + Σ held + Σ pending.
 */
export const GRANT_TYPES = `'POINTS_GRANTED', 'POINTS_GRANT_PENDING'`;
/**
 * What moves a user's points without the user: expiries (the sweep), activations (at
 * availableAt, by the maintenance run or a lazy step) and hold releases (a lapsed hold,
 * or the rest of a capture, which has a POINTS_USED of its own). They do not make a user
 * active; a release or activation on request does not either (the row does not tell).
 */
const NOT_ACTIVE_TYPES = `'POINTS_EXPIRED', 'POINTS_GRANT_ACTIVATED', 'POINTS_HOLD_RELEASED'`;

/**
 * Points moved per UTC day, by type, for each day from `fromDay` to `toDay`
 * (inclusive, 'YYYY-MM-DD') that has events; days without events are absent.
 * granted: active and pending grants; used: uses and captures (see GRANT_TYPES).
 * activeUsers counts users with a grant, use, cancellation, revocation or hold that day:
 * an expiry, activation or hold release may be the clock's doing, not the user's.
 * The answer keeps its version-1 shape (DailyRow, API.md): holds, releases and
 * activations are not in it.
 */
export async function dailyMovement(ch: ClickHouse, fromDay: string, toDay: string): Promise<DailyMovement[]> {
  checkDay(fromDay, 'fromDay');
  checkDay(toDay, 'toDay');
  const rows = await ch.query<Record<keyof DailyMovement, Num>>(`
    SELECT day,
           sumIf(amount, type IN (${GRANT_TYPES})) AS granted,
           sumIf(amount, type = 'POINTS_USED') AS used,
           sumIf(amount, type = 'POINTS_USE_CANCELED') AS useCanceled,
           sumIf(amount, type = 'POINTS_EXPIRED') AS expired,
           sumIf(amount, type = 'POINTS_REVOKED') AS revoked,
           uniqExactIf(userId, type NOT IN (${NOT_ACTIVE_TYPES})) AS activeUsers
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

/** The settings of a query with an IN subquery over `events` (lotRemainingSql). */
export const DISTRIBUTED_IN_LOCAL = { distributed_product_mode: 'local' } as const;

/**
 * The SQL of what each lot still holds: the grant (active or pending), minus what uses
 * and holds took from it, plus what cancellations and hold releases gave back to it,
 * minus what expired or was revoked from it. A capture (POINTS_USED with a holdId) does
 * not touch the lots: its hold took the points already. An activation moves nothing.
 * One row per (userId, lot) among the grants `grantFilter` selects, with `pending` 1
 * while the lot's POINTS_GRANT_PENDING has no POINTS_GRANT_ACTIVATED yet.
 *
 * Cluster (ADR 0012): `events` is a Distributed table, and an IN subquery over it inside
 * a query over it is refused by default (distributed_product_mode = 'deny'). A lot and
 * its grant belong to one user, so to one shard: each shard's subquery may read its own
 * rows only. Run it with DISTRIBUTED_IN_LOCAL, which rewrites the subquery to the local
 * table (and changes nothing in single, where `events` is the table).
 *
 * `userFilter`, when given, is a condition on the user (userId) that narrows both scans to
 * those users' rows before FINAL folds them (PREWHERE: right, since the copies FINAL folds
 * are one event's identical rows): the admin search's expiring points of a page of users.
 */
export function lotRemainingSql(grantFilter: string, userFilter?: string): string {
  const users = userFilter === undefined ? '' : `PREWHERE ${userFilter}`;
  return `
    SELECT userId, lot,
           sum(delta) AS remaining,
           maxIf(expiresAt, type IN (${GRANT_TYPES})) AS lotExpiresAt,
           countIf(type = 'POINTS_GRANT_PENDING') > countIf(type = 'POINTS_GRANT_ACTIVATED') AS pending
    FROM ${EVENTS_TABLE} FINAL
    ARRAY JOIN
      multiIf(type = 'POINTS_USED' AND isNotNull(holdId), emptyArrayString(),
              type IN ('POINTS_USED', 'POINTS_USE_CANCELED', 'POINTS_HELD', 'POINTS_HOLD_RELEASED'), allocGrantIds,
              [assumeNotNull(grantId)]) AS lot,
      multiIf(type = 'POINTS_USED' AND isNotNull(holdId), emptyArrayInt64(),
              type IN ('POINTS_USED', 'POINTS_HELD'), arrayMap(x -> -x, allocAmounts),
              type IN ('POINTS_USE_CANCELED', 'POINTS_HOLD_RELEASED'), allocAmounts,
              type IN (${GRANT_TYPES}), [amount],
              type = 'POINTS_GRANT_ACTIVATED', [toInt64(0)],
              [-amount]) AS delta
    ${users}
    WHERE lot IN (SELECT assumeNotNull(grantId) FROM ${EVENTS_TABLE} FINAL ${users} WHERE type IN (${GRANT_TYPES}) AND ${grantFilter})
    GROUP BY userId, lot`;
}

/**
 * Points that will expire per UTC day ahead: lots whose expiry lies after `now` (epoch
 * ms) and at most `days` days later, with what each still holds (lots with nothing
 * left are not counted). Days without such lots are absent. A pending lot does not
 * expire (ADR 0013) and is counted only once its activation is in the model; points a
 * hold keeps aside do not expire while held and are not in the lot's remaining.
 */
export async function expiringPerDay(ch: ClickHouse, days: number, now: number): Promise<ExpiringDay[]> {
  checkInt(days, 'days', 1, 3660);
  checkInt(now, 'now', 0, Date.UTC(2100, 0, 1));
  const rows = await ch.query<{ day: string; points: Num; lots: Num }>(
    `
    SELECT toDate(lotExpiresAt) AS day, sum(remaining) AS points, count() AS lots
    FROM (${lotRemainingSql(`expiresAtMs > ${now} AND expiresAtMs <= ${now + days * DAY_MS}`)})
    WHERE remaining > 0 AND pending = 0
    GROUP BY day
    ORDER BY day`,
    DISTRIBUTED_IN_LOCAL,
  );
  return rows.map((r) => ({ day: String(r.day), points: Number(r.points), lots: Number(r.lots) }));
}

export type TopUser = TopUserRow;

/**
 * The users who earned or spent the most from `fromDay` to `toDay` (inclusive).
 * earned = granted (active and pending grants) − revoked; spent = used (captures
 * included) − use-cancelled (both within the range); holds are neither.
 * Only users with a positive total; ties by userId.
 */
export async function topUsers(ch: ClickHouse, by: 'earned' | 'spent', fromDay: string, toDay: string, limit: number): Promise<TopUser[]> {
  checkDay(fromDay, 'fromDay');
  checkDay(toDay, 'toDay');
  checkInt(limit, 'limit', 1, 10_000);
  const [plus, minus] = by === 'earned' ? [GRANT_TYPES, `'POINTS_REVOKED'`] : by === 'spent' ? [`'POINTS_USED'`, `'POINTS_USE_CANCELED'`] : [];
  if (!plus || !minus) throw new RangeError(`by must be earned or spent, got "${String(by)}"`);
  const rows = await ch.query<{ userId: string; points: Num }>(`
    SELECT userId, sumIf(amount, type IN (${plus})) - sumIf(amount, type IN (${minus})) AS points
    FROM ${EVENTS_TABLE} FINAL
    WHERE day >= toDate(${quote(fromDay)}) AND day <= toDate(${quote(toDay)}) AND type IN (${plus}, ${minus})
    GROUP BY userId
    HAVING points > 0
    ORDER BY points DESC, userId
    LIMIT ${limit}`);
  return rows.map((r) => ({ userId: r.userId, points: Number(r.points) }));
}

export type Liability = LiabilityAnswer;

/**
 * What the ledger owes at the end of the UTC day `asOf` ('YYYY-MM-DD'): every event of
 * that day or before (occurredAt before the next day's 00:00 UTC). Per user, the balance,
 * held and pending points are those after the user's last such event (balanceAfter,
 * heldAfter, pendingAfter); the movements are summed as dailyMovement counts them
 * (GRANT_TYPES). outstanding = Σ balance + Σ held, and the events keep
 * outstanding + pending = granted − used + useCanceled − expired − revoked.
 * breakageRate = expired ÷ (granted − revoked), 0 when that is 0 (nothing granted, or
 * all of it revoked, when nothing can have expired either).
 *
 * No IN subquery: in the cluster (ADR 0012) each shard aggregates its users and the
 * entry server merges them (a user's rows are all on one shard, so argMax by seq is the
 * user's last event).
 */
export async function liability(ch: ClickHouse, asOf: string, opts: { userIds?: string[] } = {}): Promise<Liability> {
  checkDay(asOf, 'asOf');
  // Only for the test that ties these figures to MySQL's invariant 2 over its own users
  // (tools/verify/liability-tie.e2e.test.ts); the route always asks for every user.
  const users = opts.userIds ? `AND userId IN ${opts.userIds.length > 0 ? quoteList(opts.userIds) : "('')"}` : '';
  const rows = await ch.query<Record<'granted' | 'used' | 'useCanceled' | 'expired' | 'revoked' | 'balance' | 'held' | 'pending', Num>>(`
    SELECT sum(userGranted) AS granted, sum(userUsed) AS used, sum(userUseCanceled) AS useCanceled,
           sum(userExpired) AS expired, sum(userRevoked) AS revoked,
           sum(userBalance) AS balance, sum(userHeld) AS held, sum(userPending) AS pending
    FROM
    (
      SELECT userId,
             sumIf(amount, type IN (${GRANT_TYPES})) AS userGranted,
             sumIf(amount, type = 'POINTS_USED') AS userUsed,
             sumIf(amount, type = 'POINTS_USE_CANCELED') AS userUseCanceled,
             sumIf(amount, type = 'POINTS_EXPIRED') AS userExpired,
             sumIf(amount, type = 'POINTS_REVOKED') AS userRevoked,
             argMax(balanceAfter, seq) AS userBalance,
             argMax(heldAfter, seq) AS userHeld,
             argMax(pendingAfter, seq) AS userPending
      FROM ${EVENTS_TABLE} FINAL
      WHERE day <= toDate(${quote(asOf)}) ${users}
      GROUP BY userId
    )`);
  const r = rows[0];
  const n = (v: Num | undefined) => Number(v ?? 0);
  const granted = n(r?.granted);
  const revoked = n(r?.revoked);
  const expired = n(r?.expired);
  return {
    asOf,
    outstanding: n(r?.balance) + n(r?.held),
    pending: n(r?.pending),
    held: n(r?.held),
    granted,
    used: n(r?.used),
    useCanceled: n(r?.useCanceled),
    expired,
    revoked,
    breakageRate: granted - revoked > 0 ? expired / (granted - revoked) : 0,
  };
}

export type Cohort = CohortRow;

/**
 * The lots granted (POINTS_GRANTED or POINTS_GRANT_PENDING) in each UTC month from
 * `fromMonth` to `toMonth` ('YYYY-MM', inclusive), and what became of them now, exact
 * from the allocations the events record. Per lot, as lotRemainingSql counts it:
 * - used: the allocations of every POINTS_USED to the lot, a capture's included (a
 *   capture's allocations are the part of its hold's allocations it spent);
 * - useCanceled: the allocations of POINTS_USE_CANCELED to it (given back);
 * - expired, revoked: the POINTS_EXPIRED and POINTS_REVOKED with its grantId (a share a
 *   cancellation or release gives back to a lapsed or revoked lot is expired or revoked
 *   again at once, by an event of its own);
 * - outstanding = what the lot still holds (remaining, active or pending: grant − uses
 *   without a hold − holds + releases + cancellations − expired − revoked) + what holds
 *   still keep of it (POINTS_HELD − POINTS_HOLD_RELEASED − captures, by its allocations).
 *   So for every lot, and every month: granted − used + useCanceled − expired − revoked
 *   = outstanding. A hold and its release move points between the lot and the hold:
 *   they are in no figure but outstanding's split. An activation moves nothing.
 * Months without grants are absent. Run with DISTRIBUTED_IN_LOCAL (lotRemainingSql):
 * a lot's rows are on its user's shard.
 */
export async function cohorts(ch: ClickHouse, fromMonth: string, toMonth: string): Promise<Cohort[]> {
  checkMonth(fromMonth, 'fromMonth');
  checkMonth(toMonth, 'toMonth');
  if (toMonth < fromMonth) throw new RangeError(`toMonth ${toMonth} is before fromMonth ${fromMonth}`);
  const rows = await ch.query<Record<keyof Cohort, Num>>(
    `
    SELECT toStartOfMonth(grantDay) AS month,
           sum(lotGranted) AS granted, sum(lotUsed) AS used, sum(lotUseCanceled) AS useCanceled,
           sum(lotExpired) AS expired, sum(lotRevoked) AS revoked,
           sum(lotRemaining) + sum(lotHeld) AS outstanding
    FROM
    (
      SELECT userId, lot,
             minIf(day, type IN (${GRANT_TYPES})) AS grantDay,
             sumIf(points, type IN (${GRANT_TYPES})) AS lotGranted,
             sumIf(points, type = 'POINTS_USED') AS lotUsed,
             sumIf(points, type = 'POINTS_USE_CANCELED') AS lotUseCanceled,
             sumIf(points, type = 'POINTS_EXPIRED') AS lotExpired,
             sumIf(points, type = 'POINTS_REVOKED') AS lotRevoked,
             lotGranted - sumIf(points, type = 'POINTS_USED' AND isNull(holdId)) - sumIf(points, type = 'POINTS_HELD')
               + sumIf(points, type = 'POINTS_HOLD_RELEASED') + lotUseCanceled - lotExpired - lotRevoked AS lotRemaining,
             sumIf(points, type = 'POINTS_HELD') - sumIf(points, type = 'POINTS_HOLD_RELEASED')
               - sumIf(points, type = 'POINTS_USED' AND isNotNull(holdId)) AS lotHeld
      FROM ${EVENTS_TABLE} FINAL
      ARRAY JOIN
        if(type IN ('POINTS_USED', 'POINTS_USE_CANCELED', 'POINTS_HELD', 'POINTS_HOLD_RELEASED'), allocGrantIds, [assumeNotNull(grantId)]) AS lot,
        if(type IN ('POINTS_USED', 'POINTS_USE_CANCELED', 'POINTS_HELD', 'POINTS_HOLD_RELEASED'), allocAmounts, [amount]) AS points
      WHERE lot IN (SELECT assumeNotNull(grantId) FROM ${EVENTS_TABLE} FINAL
                    WHERE type IN (${GRANT_TYPES})
                      AND day >= toDate(${quote(`${fromMonth}-01`)}) AND toStartOfMonth(day) <= toDate(${quote(`${toMonth}-01`)}))
      GROUP BY userId, lot
    )
    GROUP BY month
    ORDER BY month`,
    DISTRIBUTED_IN_LOCAL,
  );
  return rows.map((r) => ({
    month: String(r.month).slice(0, 7),
    granted: Number(r.granted),
    used: Number(r.used),
    useCanceled: Number(r.useCanceled),
    expired: Number(r.expired),
    revoked: Number(r.revoked),
    outstanding: Number(r.outstanding),
  }));
}

export interface TypeTotal {
  amount: number;
  count: number;
}

/**
 * Σ amount and number of events per user and type, exact (FINAL), keyed
 * `${userId}|${type}`; all users when `userIds` is not given (`make verify`, which
 * compares them with the same sums over MySQL's point_events). Every type as stored,
 * those of version 2 included; a capture is a POINTS_USED like any use.
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
    eventId: string;
    seq: Num;
    type: EventType;
    amount: Num;
    balanceAfter: Num;
    occurredAtMs: Num;
    grantId: string | null;
    useId: string | null;
    cancellationId: string | null;
    orderId: string | null;
    reason: string | null;
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

/** Empties the read model on every server (before a rebuild from offset 0). Needs the writer user. */
export { truncateEvents as truncate } from './schema.ts';
