/// <reference types="@fastify/swagger" />
/**
 * The query routes of API.md: Redis only (and ClickHouse for history older than
 * Redis keeps). Never MySQL.
 */
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { ActiveGrant, BalanceAnswer, HistoryPage } from '../../../schemas/http-answers.ts';
import { Type, type Static } from '@sinclair/typebox';
import { readBalance, readGrants, readHistory } from '../../../projectors/redis/read-model.ts';
import type { HistoryItem } from '../../../projectors/shared/history-item.ts';
import { AppError } from '../http/app-error.ts';
import { errorResponses, SCOPED_ERRORS, UserId } from '../http/schemas.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface QueryDeps {
  redis: Redis;
  /** Older history than Redis keeps; undefined: history ends where Redis's does. */
  olderHistory?: (userId: string, beforeSeq: number, limit: number) => Promise<HistoryItem[]>;
  clock: () => number;
}

const UserParams = Type.Object({ userId: UserId });
// A seq is a per-user counter: an integer JavaScript holds exactly. The bound also keeps
// out what the query coercion would otherwise let through as a number ("Infinity", 1e400).
const Seq = { minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const BalanceQuery = Type.Object({
  minSeq: Type.Optional(Type.Integer({ ...Seq, description: 'wait until the projection has reached this seq' })),
  waitMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: 'how long to wait for minSeq (default 2000)' })),
}, { additionalProperties: false });
const HistoryQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 50' })),
  beforeSeq: Type.Optional(Type.Integer({ ...Seq, minimum: 1, description: 'events with a smaller seq (the previous page\'s nextBeforeSeq)' })),
}, { additionalProperties: false });

const Grants = Type.Array(ActiveGrant);
// A query answers 503 when Redis (or, for older history, ClickHouse) is down; only a
// balance with minSeq waits, and answers 504 when the projection is still behind.
const errors = errorResponses([400, ...SCOPED_ERRORS, 503]);
const balanceErrors = errorResponses([400, ...SCOPED_ERRORS, 503, 504]);

/** Redis errors are the read side being down: 503, not 500. */
export async function fromRedis<T>(what: Promise<T>): Promise<T> {
  try {
    return await what;
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('UNAVAILABLE', 'the read model (Redis) is not available; try again');
  }
}


export async function queryRoutes(app: FastifyInstance, deps: QueryDeps): Promise<void> {
  const { redis, clock } = deps;

  app.get<{ Params: Static<typeof UserParams>; Querystring: Static<typeof BalanceQuery> }>('/v1/users/:userId/balance', {
    config: { scope: 'points:read' },
    schema: {
      summary: 'Balance, seq and points expiring within 30 days; with minSeq, read your own write',
      tags: ['queries'], params: UserParams, querystring: BalanceQuery, response: { 200: BalanceAnswer, ...balanceErrors },
    },
  }, async (request) => {
    const { userId } = request.params;
    const { minSeq, waitMs = 2000 } = request.query;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const view = await fromRedis(readBalance(redis, userId, clock()));
      if (minSeq === undefined || view.seq >= minSeq) return view;
      if (Date.now() >= deadline) {
        throw new AppError('PROJECTION_BEHIND', `the read model has seq ${view.seq} for this user, not yet ${minSeq}; try again`, { minSeq, seq: view.seq, waitedMs: waitMs });
      }
      await sleep(Math.min(10, Math.max(1, deadline - Date.now())));
    }
  });

  app.get<{ Params: Static<typeof UserParams>; Querystring: Static<typeof HistoryQuery> }>('/v1/users/:userId/history', {
    config: { scope: 'points:read' },
    schema: {
      summary: 'History, newest first, in pages (older pages than Redis keeps come from ClickHouse)',
      tags: ['queries'], params: UserParams, querystring: HistoryQuery, response: { 200: HistoryPage, ...errors },
    },
  }, async (request) => {
    const { userId } = request.params;
    const { limit = 50, beforeSeq } = request.query;
    const r = await fromRedis(readHistory(redis, userId, beforeSeq, limit));
    const items = [...r.items];
    const top = beforeSeq === undefined ? r.seq : Math.min(r.seq, beforeSeq - 1);
    const lowest = items.length > 0 ? items[items.length - 1]!.seq : top + 1;
    // Redis keeps the latest events only: older ones come from ClickHouse, seamlessly.
    if (items.length < limit && lowest > 1 && deps.olderHistory) {
      try {
        items.push(...(await deps.olderHistory(userId, lowest, limit - items.length)));
      } catch (e) {
        request.log.error({ err: e }, 'history: ClickHouse query failed');
        throw new AppError('UNAVAILABLE', 'older history (ClickHouse) is not available; try again');
      }
    }
    const last = items[items.length - 1];
    return { items, nextBeforeSeq: last && last.seq > 1 ? last.seq : null };
  });

  app.get<{ Params: Static<typeof UserParams> }>('/v1/users/:userId/grants', {
    config: { scope: 'points:read' },
    schema: {
      summary: 'Active lots (points left), earliest expiry first',
      tags: ['queries'], params: UserParams, response: { 200: Grants, ...errors },
    },
  }, async (request) => fromRedis(readGrants(redis, request.params.userId)));
}
