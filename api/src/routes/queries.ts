/// <reference types="@fastify/swagger" />
/**
 * The query routes of API.md: Redis only (and ClickHouse for history older than
 * Redis keeps). Never MySQL. The lookups (a grant, use or hold by id, a user's active
 * holds, an order) answer from the Redis model too.
 */
import type { FastifyInstance } from 'fastify';
import type { RedisClient } from '../../../common/src/redis.ts';
import { ActiveGrant, BalanceAnswer, HistoryPage } from '../../../schemas/http-answers.ts';
import { ActiveHolds, GrantAnswer, HoldAnswer, OrderAnswer, UseAnswer } from '../../../schemas/lookup-answers.ts';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  ownerOf,
  readActiveHolds,
  readBalance,
  readGrants,
  readHistory,
  readOrder,
  readRecord,
  userSeq,
  type RecordKind,
} from '../../../projectors/redis/read-model.ts';
import type { HistoryItem } from '../../../projectors/shared/history-item.ts';
import { AppError } from '../http/app-error.ts';
import { errorResponses, GrantParams, HoldParams, OrderId, SCOPED_ERRORS, UseParams, UserId } from '../http/schemas.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface QueryDeps {
  redis: RedisClient;
  /** Older history than Redis keeps; undefined: history ends where Redis's does. */
  olderHistory?: (userId: string, beforeSeq: number, limit: number) => Promise<HistoryItem[]>;
  clock: () => number;
}

const UserParams = Type.Object({ userId: UserId });
// A seq is a per-user counter: an integer JavaScript holds exactly. The bound also keeps
// out what the query coercion would otherwise let through as a number ("Infinity", 1e400).
const Seq = { minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const BalanceQuery = Type.Object(
  {
    minSeq: Type.Optional(Type.Integer({ ...Seq, description: 'wait until the projection has reached this seq' })),
    waitMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: 'how long to wait for minSeq (default 2000)' })),
  },
  { additionalProperties: false },
);
const HistoryQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 50' })),
    beforeSeq: Type.Optional(Type.Integer({ ...Seq, minimum: 1, description: "events with a smaller seq (the previous page's nextBeforeSeq)" })),
  },
  { additionalProperties: false },
);

const MinSeq = Type.Integer({ ...Seq, description: "wait until the projection has reached this seq of the user's (needs userId)" });
const WaitMs = Type.Integer({ minimum: 0, maximum: 10_000, description: 'how long to wait for minSeq (default 2000)' });
// A seq is the user's: minSeq without the user names nothing (the ajv keyword `dependencies`).
const LookupQuery = Type.Object(
  {
    userId: Type.Optional({ ...UserId, description: 'the owner: read it from that user (with minSeq, once the projection has reached it)' }),
    minSeq: Type.Optional(MinSeq),
    waitMs: Type.Optional(WaitMs),
  },
  { additionalProperties: false, dependencies: { minSeq: ['userId'] } },
);
const OrderParams = Type.Object({ orderId: OrderId });

const Grants = Type.Array(ActiveGrant);
// A query answers 503 when Redis (or, for older history, ClickHouse) is down; only a
// balance with minSeq waits, and answers 504 when the projection is still behind.
const errors = errorResponses([400, ...SCOPED_ERRORS, 503]);
const balanceErrors = errorResponses([400, ...SCOPED_ERRORS, 503, 504]);
// A lookup by id also answers 404 for an id the projection has not seen (of that user).
const lookupErrors = errorResponses([400, ...SCOPED_ERRORS, 404, 503, 504]);

/** Redis errors are the read side being down: 503, not 500. */
export async function fromRedis<T>(what: Promise<T>): Promise<T> {
  try {
    return await what;
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('UNAVAILABLE', 'the read model (Redis) is not available; try again');
  }
}

const NOUN: Record<RecordKind, string> = { grant: 'grant', use: 'use', hold: 'hold' };

export async function queryRoutes(app: FastifyInstance, deps: QueryDeps): Promise<void> {
  const { redis, clock } = deps;

  /** Returns once the user's projection has reached minSeq (at once without one); 504 PROJECTION_BEHIND after waitMs. */
  async function reached(userId: string, minSeq: number | undefined, waitMs = 2000): Promise<void> {
    if (minSeq === undefined) return;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const seq = await fromRedis(userSeq(redis, userId));
      if (seq >= minSeq) return;
      if (Date.now() >= deadline) {
        throw new AppError('PROJECTION_BEHIND', `the read model has seq ${seq} for this user, not yet ${minSeq}; try again`, { minSeq, seq, waitedMs: waitMs });
      }
      await sleep(Math.min(10, Math.max(1, deadline - Date.now())));
    }
  }

  /** A grant, use or hold by id: of the user the query names (fresh as minSeq asks), else of the owner the index knows. */
  async function lookup<K extends RecordKind>(kind: K, id: string, query: Static<typeof LookupQuery>) {
    let userId = query.userId;
    if (userId !== undefined) await reached(userId, query.minSeq, query.waitMs);
    else userId = (await fromRedis(ownerOf(redis, kind, id))) ?? undefined;
    const found = userId === undefined ? null : await fromRedis(readRecord(redis, kind, userId, id));
    if (!found) {
      const whose = query.userId === undefined ? '' : ` of user ${query.userId}`;
      throw new AppError('NOT_FOUND', `no ${NOUN[kind]} ${id}${whose} in the read model (pass userId and minSeq to wait for a recent one)`, {
        [`${kind}Id`]: id,
      });
    }
    return found;
  }

  app.get<{ Params: Static<typeof UserParams>; Querystring: Static<typeof BalanceQuery> }>(
    '/v1/users/:userId/balance',
    {
      config: { scope: 'points:read' },
      schema: {
        summary: 'Balance, seq and points expiring within 30 days; with minSeq, read your own write',
        tags: ['queries'],
        params: UserParams,
        querystring: BalanceQuery,
        response: { 200: BalanceAnswer, ...balanceErrors },
      },
    },
    async (request) => {
      const { userId } = request.params;
      const { minSeq, waitMs = 2000 } = request.query;
      const deadline = Date.now() + waitMs;
      for (;;) {
        const view = await fromRedis(readBalance(redis, userId, clock()));
        if (minSeq === undefined || view.seq >= minSeq) return view;
        if (Date.now() >= deadline) {
          throw new AppError('PROJECTION_BEHIND', `the read model has seq ${view.seq} for this user, not yet ${minSeq}; try again`, {
            minSeq,
            seq: view.seq,
            waitedMs: waitMs,
          });
        }
        await sleep(Math.min(10, Math.max(1, deadline - Date.now())));
      }
    },
  );

  app.get<{ Params: Static<typeof UserParams>; Querystring: Static<typeof HistoryQuery> }>(
    '/v1/users/:userId/history',
    {
      config: { scope: 'points:read' },
      schema: {
        summary: 'History, newest first, in pages (older pages than Redis keeps come from ClickHouse)',
        tags: ['queries'],
        params: UserParams,
        querystring: HistoryQuery,
        response: { 200: HistoryPage, ...errors },
      },
    },
    async (request) => {
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
    },
  );

  app.get<{ Params: Static<typeof UserParams> }>(
    '/v1/users/:userId/grants',
    {
      config: { scope: 'points:read' },
      schema: {
        summary: 'Active lots (points left), earliest expiry first',
        tags: ['queries'],
        params: UserParams,
        response: { 200: Grants, ...errors },
      },
    },
    async (request) => fromRedis(readGrants(redis, request.params.userId)),
  );

  /** A lookup route (scope points:read, tag lookups): its 200 answer and error statuses; `answer` reads it from the params and query. */
  function lookupRoute<P extends TSchema, Q extends TSchema>(
    url: string,
    route: { summary: string; params: P; querystring: Q; ok: TSchema; errors: Record<string, TSchema> },
    answer: (params: Static<P>, query: Static<Q>) => Promise<unknown>,
  ): void {
    app.get<{ Params: Static<P>; Querystring: Static<Q> }>(
      url,
      {
        config: { scope: 'points:read' },
        schema: {
          summary: route.summary,
          tags: ['lookups'],
          params: route.params,
          querystring: route.querystring,
          response: { 200: route.ok, ...route.errors },
        },
      },
      async (request) => answer(request.params, request.query),
    );
  }

  lookupRoute(
    '/v1/grants/:grantId',
    {
      summary: 'A grant: its state, points left, expiry, order; with userId and minSeq, read your own write',
      params: GrantParams,
      querystring: LookupQuery,
      ok: GrantAnswer,
      errors: lookupErrors,
    },
    (params, query) => lookup('grant', params.grantId, query),
  );

  lookupRoute(
    '/v1/uses/:useId',
    {
      summary: 'A use: its allocations and cancellations; with userId and minSeq, read your own write',
      params: UseParams,
      querystring: LookupQuery,
      ok: UseAnswer,
      errors: lookupErrors,
    },
    (params, query) => lookup('use', params.useId, query),
  );

  lookupRoute(
    '/v1/holds/:holdId',
    {
      summary: 'A hold: its state, what was captured, its expiry; with userId and minSeq, read your own write',
      params: HoldParams,
      querystring: LookupQuery,
      ok: HoldAnswer,
      errors: lookupErrors,
    },
    (params, query) => lookup('hold', params.holdId, query),
  );

  lookupRoute(
    '/v1/users/:userId/holds',
    {
      summary: "The user's active holds, earliest expiry first; with minSeq, read your own write",
      params: UserParams,
      querystring: BalanceQuery,
      ok: ActiveHolds,
      errors: balanceErrors,
    },
    async ({ userId }, query) => {
      await reached(userId, query.minSeq, query.waitMs);
      return fromRedis(readActiveHolds(redis, userId));
    },
  );

  lookupRoute(
    '/v1/orders/:orderId',
    {
      summary: 'Every grant, use and hold that carries the orderId, whoever the user; with userId and minSeq, including your own write',
      params: OrderParams,
      querystring: LookupQuery,
      ok: OrderAnswer,
      errors: lookupErrors,
    },
    async ({ orderId }, { userId, minSeq, waitMs }) => {
      if (userId !== undefined) await reached(userId, minSeq, waitMs);
      const order = await fromRedis(readOrder(redis, orderId));
      if (order.grants.length + order.uses.length + order.holds.length === 0) {
        throw new AppError('NOT_FOUND', `nothing in the read model carries order ${orderId}`, { orderId });
      }
      return order;
    },
  );
}
