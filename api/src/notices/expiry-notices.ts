/**
 * The expiry-notice run (POST /v1/points/expiry-notices): for every lot with points left
 * that expires within `withinDays` days of `now` and has no notice for that window yet,
 * one notice row (expiry_notice, on the lot's shard) and one outbox row for the topic
 * points.notices, in one transaction per chunk. Every shard in turn (ADR 0011); the
 * result sums what THIS run created.
 *
 * Two runs at once (two API instances, a scheduler and an operator) never send a lot's
 * notice twice: the unique key (grant_id, within_days) decides which run inserts a row
 * (INSERT IGNORE waits for the other transaction's lock, then skips its row), and a run
 * writes outbox rows only for the ids it reads back as its own. Notices are not ledger
 * events: no wallet lock, no seq, no change to any lot.
 */
import type { Knex } from 'knex';
import type { Shards } from '../../../common/src/mysql.ts';
import { retry } from '../../../common/src/retry.ts';
import { idOnShard } from '../../../common/src/shards.ts';
import { encodeExpiryNotice, type ExpiryNotice } from '../../../schemas/expiry-notice.ts';
import { CommandTx, rows } from '../ledger/command-tx.ts';
import { type CandidateLot, candidatesSql, insertNoticesSql, noticeOutboxSql, type PageCursor } from './notice-sql.ts';

export const WITHIN_DAYS = { min: 1, max: 90 } as const;
const DAY = 86_400_000;

export interface NoticeRunResult {
  /** Notices this run created (one per lot). */
  notices: number;
  /** Users they went to. */
  users: number;
  /** Σ of their amounts: the points that will expire unless used. */
  points: number;
}

export interface NoticeDeps {
  shards: Shards;
  /** The id of ExpiryNotice under the notices topic's subject in the registry. */
  schemaId: number;
  /** The notices topic: the outbox rows' aggregatetype (the connector routes by it). */
  topic: string;
  log: (msg: string, data?: Record<string, unknown>) => void;
}

export async function sendExpiryNotices(deps: NoticeDeps, withinDays: number, now: number, chunkSize = 500): Promise<NoticeRunResult> {
  if (!Number.isInteger(withinDays) || withinDays < WITHIN_DAYS.min || withinDays > WITHIN_DAYS.max) {
    throw new RangeError(`withinDays must be an integer from ${WITHIN_DAYS.min} to ${WITHIN_DAYS.max}`);
  }
  const result: NoticeRunResult = { notices: 0, users: 0, points: 0 };
  // A user lives on one shard; within a shard their lots may fall into several chunks.
  const users = new Set<string>();
  const started = Date.now();
  for (const [i, db] of deps.shards.dbs.entries()) {
    const shard = deps.shards.count > 1 ? { shard: i + 1 } : {};
    await noticeShard(db, i, deps, withinDays, now, chunkSize, result, users, (msg, data) =>
      deps.log(msg, { ...shard, ...data, elapsedMs: Date.now() - started }),
    );
  }
  result.users = users.size;
  return result;
}

async function noticeShard(
  db: Knex,
  shard: number,
  deps: NoticeDeps,
  withinDays: number,
  now: number,
  chunkSize: number,
  result: NoticeRunResult,
  users: Set<string>,
  log: NoticeDeps['log'],
): Promise<void> {
  const nowDate = new Date(now);
  const until = new Date(now + withinDays * DAY);
  const encode = (n: ExpiryNotice) => encodeExpiryNotice(deps.schemaId, n);
  let cursor: PageCursor | null = null;
  for (let chunk = 1; ; chunk++) {
    const page = await CommandTx.run(db, async (tx) =>
      rows<CandidateLot>((await tx.send([candidatesSql(tx.format, nowDate, until, withinDays, cursor, chunkSize)]))[0]),
    );
    if (page.length === 0) break;
    const last = page[page.length - 1]!;
    cursor = { expiresAt: last.expires_at, grantId: last.grant_id };
    const drafts: ExpiryNotice[] = page.map((l) => ({
      noticeId: idOnShard(shard),
      userId: l.user_id,
      grantId: l.grant_id,
      amount: Number(l.remaining),
      expiresAt: l.expires_at.getTime(),
      withinDays,
      createdAt: now,
    }));
    // A deadlock between two runs inserting the same keys rolls one chunk back whole: again.
    const mine = await retry(() => insertChunk(db, deps.topic, drafts, encode), {
      retries: 5,
      initialMs: 20,
      maxMs: 500,
      shouldRetry: (e) => (e as { code?: string }).code === 'ER_LOCK_DEADLOCK',
      onRetry: (e, attempt) => log('expiry notices: chunk deadlocked, again', { chunk, attempt, err: (e as Error).message }),
    });
    for (const n of mine) {
      users.add(n.userId);
      result.notices++;
      result.points += n.amount;
    }
    log('expiry notices: chunk done', { chunk, lots: page.length, created: mine.length, notices: result.notices, points: result.points });
    if (page.length < chunkSize) break;
  }
}

/** One chunk in one transaction: the notices, and the outbox rows of those this run inserted. */
async function insertChunk(db: Knex, topic: string, drafts: ExpiryNotice[], encode: (n: ExpiryNotice) => Buffer): Promise<ExpiryNotice[]> {
  return CommandTx.run(db, async (tx) => {
    const [, inserted] = await tx.begin(insertNoticesSql(tx.format, drafts));
    const ids = new Set(rows<{ notice_id: string }>(inserted).map((r) => r.notice_id));
    const mine = drafts.filter((d) => ids.has(d.noticeId));
    if (mine.length === 0) return mine; // CommandTx rolls back: nothing was inserted
    await tx.commit(noticeOutboxSql(tx.format, topic, mine, encode));
    return mine;
  });
}
