/**
 * The SQL of the expiry-notice run, as statements for CommandTx (ADR 0007) and one
 * page query. Nothing here talks to the database itself.
 *
 * Which lots get a notice ("points left that will expire", DESIGN.md):
 * - open with points left (`is_open = 1`, `remaining > 0`): held points are not in
 *   `remaining` (ADR 0013), so a held share is not "left to expire"; a spent or wholly
 *   revoked lot has nothing left;
 * - active, or pending with its `availableAt` passed (it is active by the domain rules,
 *   only not activated yet by a command or the maintenance run); a pending lot before its
 *   `availableAt` is not spendable and does not expire, so it gets its notice from a run
 *   after it has become available;
 * - expiring after `now` (a lapsed lot is the maintenance run's) and at most
 *   `withinDays` days after it;
 * - without a notice for (grant_id, withinDays) yet.
 */
import type { ExpiryNotice } from '../../../schemas/expiry-notice.ts';
import { EXPIRY_NOTICE_TYPE } from '../../../schemas/expiry-notice.ts';
import type { Format } from '../ledger/command-tx.ts';

export interface CandidateLot {
  grant_id: string;
  user_id: string;
  remaining: number | string;
  expires_at: Date;
}

/** Where a page starts: after this lot in (expires_at, grant_id) order; none: the first page. */
export interface PageCursor {
  expiresAt: Date;
  grantId: string;
}

/**
 * One page of candidate lots in (expires_at, grant_id) order, read through the index
 * (is_open, expires_at) (InnoDB appends the primary key grant_id to it), each lot checked
 * against the unique key of expiry_notice.
 */
export function candidatesSql(f: Format, now: Date, until: Date, withinDays: number, after: PageCursor | null, limit: number): string {
  const from = after
    ? f('l.expires_at >= ? AND (l.expires_at > ? OR l.grant_id > ?)', [after.expiresAt, after.expiresAt, after.grantId])
    : f('l.expires_at > ?', [now]);
  return f(
    `SELECT l.grant_id, l.user_id, l.remaining, l.expires_at FROM point_lots l
     WHERE l.is_open = 1 AND ${from} AND l.expires_at <= ? AND l.remaining > 0 AND (l.pending = 0 OR l.available_at <= ?)
       AND NOT EXISTS (SELECT 1 FROM expiry_notice n WHERE n.grant_id = l.grant_id AND n.within_days = ?)
     ORDER BY l.expires_at, l.grant_id LIMIT ?`,
    [until, now, withinDays, limit],
  );
}

/**
 * The chunk's first round trip: insert the notices, ignoring those whose (grant_id,
 * within_days) exists (another run's, committed or waited for on its lock), then read
 * back which of this run's ids are there: the rows this transaction really inserted.
 * Rows go in grant_id order, so two runs at once take the unique key's locks in one order.
 */
export function insertNoticesSql(f: Format, notices: ExpiryNotice[]): string[] {
  const sorted = [...notices].sort((a, b) => (a.grantId < b.grantId ? -1 : a.grantId > b.grantId ? 1 : 0));
  return [
    f('INSERT IGNORE INTO expiry_notice (notice_id, user_id, grant_id, within_days, amount, expires_at, created_at) VALUES ?', [
      sorted.map((n) => [n.noticeId, n.userId, n.grantId, n.withinDays, n.amount, new Date(n.expiresAt), new Date(n.createdAt)]),
    ]),
    f('SELECT notice_id FROM expiry_notice WHERE notice_id IN (?)', [sorted.map((n) => n.noticeId)]),
  ];
}

/**
 * The chunk's second round trip: one outbox row per notice this run inserted, deleted
 * again in the same transaction (the binlog keeps the INSERT for Debezium, ADR 0004).
 * aggregatetype is the notices topic (the connector routes by it), aggregateid the user.
 */
export function noticeOutboxSql(f: Format, topic: string, notices: ExpiryNotice[], encode: (n: ExpiryNotice) => Buffer): string[] {
  return [
    f('INSERT INTO point_event_outbox (id, aggregatetype, aggregateid, type, payload) VALUES ?', [
      notices.map((n) => [n.noticeId, topic, n.userId, EXPIRY_NOTICE_TYPE, encode(n)]),
    ]),
    f('DELETE FROM point_event_outbox WHERE id IN (?)', [notices.map((n) => n.noticeId)]),
  ];
}
