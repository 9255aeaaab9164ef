/// <reference types="@fastify/swagger" />
/** The analytics routes of API.md (scope admin), answered from ClickHouse. */
import type { FastifyInstance } from 'fastify';
import { CohortRow, DailyRow, ExpiringRow, LiabilityAnswer, TopUserRow } from '../../../schemas/http-answers.ts';
import { Type, type Static } from '@sinclair/typebox';
import type { ClickHouse } from '../../../common/src/clickhouse.ts';
import { cohorts, dailyMovement, expiringPerDay, liability, topUsers } from '../../../projectors/clickhouse/analytics.ts';
import { AppError } from '../http/app-error.ts';
import { errorResponses, SCOPED_ERRORS } from '../http/schemas.ts';
import { fromClickHouse } from './from-clickhouse.ts';

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
const LiabilityQuery = Type.Object({ asOf: Day }, { additionalProperties: false });
// The years ClickHouse's Date can hold, real months.
const Month = Type.String({
  pattern: '^(19[7-9][0-9]|20[0-9]{2}|210[0-5])-(0[1-9]|1[0-2])$',
  description: 'YYYY-MM (UTC), a month from 1970-01 to 2105-12',
});
const CohortsQuery = Type.Object({ from: Month, to: Month }, { additionalProperties: false });
/** The most months one cohorts request may span (from and to included): ten years. */
export const MAX_COHORT_MONTHS = 120;
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

/** from ≤ to, and at most MAX_COHORT_MONTHS months from one to the other (both included). */
function monthRange(from: string, to: string): void {
  const index = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1;
  const months = index(to) - index(from) + 1;
  if (months < 1) throw new AppError('VALIDATION_FAILED', 'to is before from', [{ field: 'querystring.to', message: 'is before from' }]);
  if (months > MAX_COHORT_MONTHS) {
    throw new AppError('VALIDATION_FAILED', `at most ${MAX_COHORT_MONTHS} months at a time`, [
      { field: 'querystring.to', message: `more than ${MAX_COHORT_MONTHS} months from from` },
    ]);
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

  app.get<{ Querystring: Static<typeof LiabilityQuery> }>(
    '/v1/analytics/liability',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Points owed at the end of a UTC day: outstanding (balance + held), pending, and the movements up to then',
        description:
          'Every event before the next day 00:00 UTC. outstanding = Σ balance + Σ held; pending = granted but not yet available; ' +
          'granted counts active and pending grants, used counts captures of holds; always ' +
          'outstanding + pending = granted − used + useCanceled − expired − revoked. ' +
          'breakageRate = expired ÷ (granted − revoked), 0 when that is 0.',
        tags: ['analytics'],
        querystring: LiabilityQuery,
        response: { 200: LiabilityAnswer, ...errors },
      },
    },
    async (request) => {
      day(request.query.asOf, 'asOf');
      return fromClickHouse(liability(deps.ch, request.query.asOf));
    },
  );

  app.get<{ Querystring: Static<typeof CohortsQuery> }>(
    '/v1/analytics/cohorts',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Per month of grant: what was granted, and what of those lots was used, cancelled back, expired, revoked and is outstanding',
        description:
          `Lots (active and pending grants) grouped by the UTC month of their grant, from the month from to the month to (both included, at most ${MAX_COHORT_MONTHS} months); ` +
          'months without grants are absent. Exact, from the allocations the events record: used = what uses took from those lots, ' +
          "a hold's capture included; useCanceled = what cancellations gave back to them; expired and revoked = what left them so; " +
          'outstanding = what the lots still hold (active or pending) + what holds not yet captured or released took from them. ' +
          'For every month granted − used + useCanceled − expired − revoked = outstanding.',
        tags: ['analytics'],
        querystring: CohortsQuery,
        response: { 200: Type.Array(CohortRow), ...errors },
      },
    },
    async (request) => {
      monthRange(request.query.from, request.query.to);
      return fromClickHouse(cohorts(deps.ch, request.query.from, request.query.to));
    },
  );
}
