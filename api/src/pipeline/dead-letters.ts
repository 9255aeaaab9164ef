/**
 * The API's side of the dead letters (API.md "Operations"; ADR 0015):
 *
 * - The list: the dead-letter topic read by common/src/dead-letter-topic.ts (a consumer
 *   in a group of its own per request, never the projectors' groups), oldest first: by
 *   the topic's partition, then offset (one partition today: the order they were
 *   dead-lettered). The cursor holds the positions to go on from (dead-letters-cursor.ts);
 *   letters dead-lettered after a page was read show up on a later page. Each letter says
 *   what the last redrive did with it, from the letters hash in Redis.
 * - The redrive: a request queued in Redis for that projector (common/src/redrive-queue.ts),
 *   taken by one of its instances, which redrives and writes the result; this waits for it
 *   at most REDRIVE_WAIT_MS (below HAProxy's 60 s server timeout in the cluster topology).
 */
import { randomUUID } from 'node:crypto';
import type { StackConfig } from '../../../common/src/config.ts';
import { DeadLetterReader, type DeadLetter, type ReadResult } from '../../../common/src/dead-letter-topic.ts';
import type { RedisClient } from '../../../common/src/redis.ts';
import { letterField, redriveClient, type LetterState } from '../../../common/src/redrive-queue.ts';
import { PROJECTOR_NAMES, type DeadLetterItem, type DeadLetterPage, type ProjectorName, type RedriveAnswer } from '../../../schemas/dead-letter-answers.ts';
import { AppError } from '../http/app-error.ts';
import { encodeCursor, type Positions } from './dead-letters-cursor.ts';

/** How long POST …/redrive waits for the projector's result. */
export const REDRIVE_WAIT_MS = 50_000;
const RESULT_POLL_MS = 200;

/**
 * The page of `limit` letters out of a read made with perPartitionLimit = limit + 1 from
 * `from`, and the cursor of the next page (null when nothing is left). The page ends at
 * letter (P, O): every partition before P was read to its end (else it alone would have
 * filled the page), P goes on after O, and the partitions after P start again where
 * this page started them.
 */
export function pageOf(
  read: Pick<ReadResult, 'letters' | 'positions'>,
  from: Positions,
  limit: number,
): { letters: DeadLetter[]; next: Map<number, number> | null } {
  const letters = read.letters.slice(0, limit);
  if (read.letters.length <= limit) return { letters, next: null };
  const last = letters[letters.length - 1]!;
  const next = new Map<number, number>();
  for (const [p, at] of read.positions) {
    if (p < last.dlqPartition) next.set(p, at);
    else if (p === last.dlqPartition) next.set(p, last.dlqOffset + 1);
    else if (from.has(p)) next.set(p, from.get(p)!);
  }
  return { letters, next };
}

export function itemOf(l: DeadLetter, redrive: LetterState | undefined): DeadLetterItem {
  return {
    projector: l.projector ?? 'unknown',
    partition: l.partition ?? -1,
    offset: l.offset ?? -1,
    key: l.key,
    reason: l.reason ?? '(no dlq.reason header)',
    at: l.at,
    payloadBase64: l.value?.toString('base64') ?? '',
    dlqPartition: l.dlqPartition,
    dlqOffset: l.dlqOffset,
    ...(redrive ? { redrive } : {}),
  };
}

const isProjector = (p: string | null): p is ProjectorName => p !== null && (PROJECTOR_NAMES as readonly string[]).includes(p);

export class DeadLetters {
  private readonly reader: DeadLetterReader;

  constructor(
    config: StackConfig,
    private readonly redis: RedisClient,
  ) {
    this.reader = new DeadLetterReader(config, `api-dead-letters-${config.instance}`.replace(/[^A-Za-z0-9._-]/g, '-'));
  }

  async list(q: { limit: number; from: Positions; projector?: string; key?: string }): Promise<DeadLetterPage> {
    let read: ReadResult;
    try {
      read = await this.reader.read({
        from: q.from,
        perPartitionLimit: q.limit + 1,
        match: (l) => (q.projector === undefined || l.projector === q.projector) && (q.key === undefined || l.key === q.key),
      });
    } catch (e) {
      throw new AppError('UNAVAILABLE', `the dead-letter topic cannot be read now (Kafka): ${(e as Error).message}`);
    }
    const { letters, next } = pageOf(read, q.from, q.limit);
    const states = new Map<string, LetterState>();
    try {
      for (const projector of PROJECTOR_NAMES) {
        const fields = letters.filter((l) => l.projector === projector).map((l) => letterField(l.dlqPartition, l.dlqOffset));
        for (const [f, s] of await redriveClient.letterStates(this.redis, projector, fields)) states.set(`${projector}|${f}`, s);
      }
    } catch {
      // Redis down: the letters are still worth listing; their redrive state is not known now.
    }
    return {
      items: letters.map((l) => itemOf(l, isProjector(l.projector) ? states.get(`${l.projector}|${letterField(l.dlqPartition, l.dlqOffset)}`) : undefined)),
      nextCursor: next ? encodeCursor(next) : null,
    };
  }

  /** Queues a redrive for the projector and waits for its result (see the file's comment). */
  async redrive(projector: ProjectorName, includeRedriven: boolean, waitMs = REDRIVE_WAIT_MS): Promise<RedriveAnswer> {
    const { redis } = this;
    const redisDown = (e: unknown) => new AppError('UNAVAILABLE', `Redis, where redrive requests go, is not available: ${(e as Error).message}`);
    const started = Date.now();
    const workers = await redriveClient.liveWorkers(redis, projector, started).catch((e: unknown) => {
      throw redisDown(e);
    });
    if (workers.length === 0) {
      throw new AppError(
        'UNAVAILABLE',
        `no ${projector} projector instance takes redrive requests (none polled in the last 10 s): is projector-${projector} running?`,
      );
    }
    const requestId = randomUUID();
    const text = await redriveClient
      .enqueue(redis, { requestId, projector, includeRedriven, requestedAt: new Date(started).toISOString() })
      .catch((e: unknown) => {
        throw redisDown(e);
      });
    while (Date.now() - started < waitMs) {
      await new Promise((r) => setTimeout(r, RESULT_POLL_MS));
      const result = await redriveClient.result<RedriveAnswer>(redis, projector, requestId).catch(() => null);
      if (!result) continue;
      if (result.ok) return result.answer;
      throw new AppError('UNAVAILABLE', `the ${projector} projector could not redrive: ${result.error}`, { requestId });
    }
    const withdrawn = await redriveClient.withdraw(redis, projector, text).catch(() => false);
    if (withdrawn) {
      throw new AppError(
        'UNAVAILABLE',
        `no ${projector} projector instance took the redrive request within ${Math.round(waitMs / 1000)} s (another redrive may be running); try again`,
        {
          requestId,
        },
      );
    }
    const taken = await redriveClient.takenBy(redis, projector, requestId).catch(() => null);
    throw new AppError(
      'UNAVAILABLE',
      `the redrive (request ${requestId}) ${taken ? `taken by ${taken.split(' ')[0]} ` : ''}did not finish within ${Math.round(waitMs / 1000)} s; it goes on (or its instance died): list the letters to see what it did, or redrive again (nothing is applied twice)`,
      { requestId },
    );
  }

  async close(): Promise<void> {
    await this.reader.close();
  }
}
