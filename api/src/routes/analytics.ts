/// <reference types="@fastify/swagger" />
/** The analytics routes of API.md (scope admin), answered from ClickHouse. */
import type { FastifyInstance } from 'fastify';
import { DailyRow, ExpiringRow, TopUserRow } from '../../../schemas/http-answers.ts';
import { Type, type Static } from '@sinclair/typebox';
import type { ClickHouse } from '../../../common/src/clickhouse.ts';
import { dailyMovement, expiringPerDay, topUsers } from '../../../projectors/clickhouse/analytics.ts';
import { AppError } from '../http/app-error.ts';
import { errorResponses, SCOPED_ERRORS } from '../http/schemas.ts';

// The pattern holds the years ClickHouse's Date can hold and real months and days of the
// month; day() below also refuses a day the month does not have (2023-02-30).
const Day = Type.String({
  pattern: '^(19[7-9][0-9]|20[0-9]{2}|210[0-5])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$',
  description: 'YYYY-MM-DD (UTC), a real day from 1970-01-01 to 2105-12-31',
});
const DailyQuery = Type.Object({ from: Day, to: Day }, { additionalProperties: false });
const ExpiringQuery = Type.Object(
  { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'default 30' })) },
  { additionalProperties: false },
);
const TopQuery = Type.Object(
  {
    by: Type.Union([Type.Literal('earned'), Type.Literal('spent')]),
    from: Day,
    to: Day,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'default 10' })),
  },
  { additionalProperties: false },
);
const errors = errorResponses([400, ...SCOPED_ERRORS, 503]);
const DAY = 86_400_000;

/** A real calendar day (2023-02-30 is not) that ClickHouse's Date can hold (1970-01-01 to 2105-12-31). */
function day(value: string, field: string): number {
  const t = Date.parse(`${value}T00:00:00Z`);
  if (!Number.isFinite(t) || new Date(t).toISOString().slice(0, 10) !== value || t < 0 || t > Date.UTC(2105, 11, 31)) {
    throw new AppError('VALIDATION_FAILED', `${field} must be a real day from 1970-01-01 to 2105-12-31`, [
      { field: `querystring.${field}`, message: 'is not a usable day' },
    ]);
  }
  return t;
}

function range(from: string, to: string): void {
  const a = day(from, 'from');
  const b = day(to, 'to');
  if (b < a) throw new AppError('VALIDATION_FAILED', 'to is before from', [{ field: 'querystring.to', message: 'is before from' }]);
  if (b - a > 3660 * DAY)
    throw new AppError('VALIDATION_FAILED', 'at most 10 years at a time', [{ field: 'querystring.to', message: 'more than 10 years after from' }]);
}

async function fromClickHouse<T>(what: Promise<T>): Promise<T> {
  try {
    return await what;
  } catch (e) {
    if (e instanceof AppError) throw e;
    if (e instanceof RangeError) throw new AppError('VALIDATION_FAILED', e.message, [{ field: 'querystring', message: e.message }]);
    throw new AppError('UNAVAILABLE', 'the analytics model (ClickHouse) is not available; try again');
  }
}

export async function analyticsRoutes(app: FastifyInstance, deps: { ch: ClickHouse; clock: () => number }): Promise<void> {
  app.get<{ Querystring: Static<typeof DailyQuery> }>(
    '/v1/analytics/daily',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Points moved per day by type, and active users',
        tags: ['analytics'],
        querystring: DailyQuery,
        response: { 200: Type.Array(DailyRow), ...errors },
      },
    },
    async (request) => {
      range(request.query.from, request.query.to);
      return fromClickHouse(dailyMovement(deps.ch, request.query.from, request.query.to));
    },
  );

  app.get<{ Querystring: Static<typeof ExpiringQuery> }>(
    '/v1/analytics/expiring',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Points that will expire per day ahead (what the lots still hold)',
        tags: ['analytics'],
        querystring: ExpiringQuery,
        response: { 200: Type.Array(ExpiringRow), ...errors },
      },
    },
    async (request) => fromClickHouse(expiringPerDay(deps.ch, request.query.days ?? 30, deps.clock())),
  );

  app.get<{ Querystring: Static<typeof TopQuery> }>(
    '/v1/analytics/top-users',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Top earners (granted − revoked) or spenders (used − cancelled) in a date range',
        tags: ['analytics'],
        querystring: TopQuery,
        response: { 200: Type.Array(TopUserRow), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      range(q.from, q.to);
      return fromClickHouse(topUsers(deps.ch, q.by, q.from, q.to, q.limit ?? 10));
    },
  );
}
