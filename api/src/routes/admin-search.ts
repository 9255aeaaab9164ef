/// <reference types="@fastify/swagger" />
/**
 * The admin search of API.md "Operations" (scope admin), answered from ClickHouse
 * (projectors/clickhouse/admin-search.ts): GET /v1/admin/events and GET /v1/admin/users,
 * a page at a time (keyset cursor), or every match as CSV (format=csv), streamed.
 * Parameters are checked here before anything reaches ClickHouse (400 VALIDATION_FAILED
 * naming the field); ClickHouse down is 503 UNAVAILABLE.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Readable } from 'node:stream';
import type { ClickHouse } from '../../../common/src/clickhouse.ts';
import { AdminEventsPage, AdminUsersPage, ADMIN_EVENT_FIELDS, ADMIN_USER_FIELDS } from '../../../schemas/admin-answers.ts';
import { EVENT_TYPES, type EventType } from '../../../schemas/point-event.ts';
import {
  decodeEventsCursor,
  decodeUsersCursor,
  DEFAULT_EXPIRING_DAYS,
  DEFAULT_PAGE,
  eventsCsv,
  MAX_EXPIRING_DAYS,
  MAX_PAGE,
  searchEvents,
  searchUsers,
  usersCsv,
  type EventFilters,
} from '../../../projectors/clickhouse/admin-search.ts';
import { AppError } from '../http/app-error.ts';
import { errorResponses, Id, OrderId, SCOPED_ERRORS, UserId } from '../http/schemas.ts';
import { fromClickHouse } from './from-clickhouse.ts';

const Count = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
const Instant = (description: string) => Type.String({ format: 'date-time', description: `ISO-8601 with a time zone; ${description}` });
const Limit = Type.Integer({ minimum: 1, maximum: MAX_PAGE, description: `1-${MAX_PAGE}, default ${DEFAULT_PAGE}; not with format=csv` });
const Cursor = Type.String({
  minLength: 1,
  maxLength: 1000,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'nextCursor of the previous page (opaque); not with format=csv',
});
// Enums rather than unions of literals: one clear message ("must be equal to one of the allowed values").
const Format = Type.Unsafe<'json' | 'csv'>({
  type: 'string',
  enum: ['json', 'csv'],
  description: 'json (default): a page; csv: every match, no limit, as text/csv with a header row of the JSON field names',
});
const EventTypeName = Type.Unsafe<EventType>({ type: 'string', enum: [...EVENT_TYPES] });

const EventsQuery = Type.Object(
  {
    userId: Type.Optional(UserId),
    type: Type.Optional(EventTypeName),
    orderId: Type.Optional(OrderId),
    grantId: Type.Optional({ ...Id, description: "the event's own grantId (a grant, its activation, expiry or revocation)" }),
    useId: Type.Optional(Id),
    holdId: Type.Optional(Id),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    reasonContains: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'a part of the reason, case-insensitive; every character is literal (%, _ too)' }),
    ),
    from: Type.Optional(Instant('events at or after it')),
    to: Type.Optional(Instant('events at or before it')),
    minAmount: Type.Optional(Count('amount at least this (inclusive)')),
    maxAmount: Type.Optional(Count('amount at most this (inclusive)')),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
    format: Type.Optional(Format),
  },
  { additionalProperties: false },
);
type EventsQuery = Static<typeof EventsQuery>;

const UsersQuery = Type.Object(
  {
    minBalance: Type.Optional(Count('balance at least this (inclusive)')),
    maxBalance: Type.Optional(Count('balance at most this (inclusive)')),
    expiringWithinDays: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_EXPIRING_DAYS,
        description: `the window of expiring, in days from now (default ${DEFAULT_EXPIRING_DAYS})`,
      }),
    ),
    minExpiring: Type.Optional(Count('expiring at least this (inclusive)')),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
    format: Type.Optional(Format),
  },
  { additionalProperties: false },
);
type UsersQuery = Static<typeof UsersQuery>;

const errors = errorResponses([400, ...SCOPED_ERRORS, 503]);

/** A 200 that is a JSON page, or with format=csv a CSV download (both in the OpenAPI document). */
function pageOrCsv(page: object, header: readonly string[], what: string) {
  return {
    description: `a page as JSON; with format=csv every match as CSV (Content-Disposition: attachment), header row: ${header.join(',')}`,
    content: {
      'application/json': { schema: page },
      'text/csv': {
        schema: Type.String({ description: `${what}: a header row (${header.join(',')}), then one row per match; absent fields are empty cells` }),
      },
    },
  };
}

function refused(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field} ${message}`, [{ field: `querystring.${field}`, message }]);
}

/** An ISO-8601 time as epoch ms (the schema checked its form; a leap second or the like that Date cannot read is refused). */
function instant(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw refused(field, 'is not a time this API can read');
  return t;
}

function notAbove(low: number | undefined, high: number | undefined, lowName: string, highName: string): void {
  if (low !== undefined && high !== undefined && high < low) throw refused(highName, `is before ${lowName}`);
}

/** A page (limit, cursor) or every match (csv): not both. */
function csvAlone(q: { format?: string; limit?: number; cursor?: string }): boolean {
  if (q.format !== 'csv') return false;
  if (q.limit !== undefined) throw refused('limit', 'does not go with format=csv (the CSV has every match)');
  if (q.cursor !== undefined) throw refused('cursor', 'does not go with format=csv (the CSV has every match)');
  return true;
}

function cursor<T>(value: string | undefined, decode: (c: string) => T): T | undefined {
  if (value === undefined) return undefined;
  try {
    return decode(value);
  } catch {
    throw refused('cursor', 'is not a cursor of this search (pass nextCursor of a page as it is)');
  }
}

function eventFilters(q: EventsQuery): EventFilters {
  const from = instant(q.from, 'from');
  const to = instant(q.to, 'to');
  notAbove(from, to, 'from', 'to');
  notAbove(q.minAmount, q.maxAmount, 'minAmount', 'maxAmount');
  const { limit: _l, cursor: _c, format: _f, from: _from, to: _to, ...equal } = q;
  return { ...equal, from, to };
}

function sendCsv(reply: FastifyReply, name: string, csv: Readable, now: number): FastifyReply {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}-${stamp}.csv"`).send(csv);
}

export async function adminSearchRoutes(app: FastifyInstance, deps: { ch: ClickHouse; clock: () => number }): Promise<void> {
  app.get<{ Querystring: EventsQuery }>(
    '/v1/admin/events',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Search the ledger events: any combination of filters, newest first, a page at a time or all as CSV',
        description:
          'Every filter given must hold. userId, type, orderId, grantId, useId, holdId and source match exactly; reasonContains is a ' +
          'case-insensitive part of the reason; from/to and minAmount/maxAmount are inclusive. Newest first: occurredAt, then seq, ' +
          'then userId, descending. nextCursor pages on from where the page ended (a keyset): events that arrive meanwhile are ' +
          'newer and never shift the pages that follow. format=csv answers every match, no limit.',
        tags: ['admin'],
        querystring: EventsQuery,
        response: { 200: pageOrCsv(AdminEventsPage, ADMIN_EVENT_FIELDS, 'the events'), ...errors },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const filters = eventFilters(q);
      if (csvAlone(q)) return sendCsv(reply, 'events', await fromClickHouse(eventsCsv(deps.ch, filters)), deps.clock());
      const after = cursor(q.cursor, decodeEventsCursor);
      return fromClickHouse(searchEvents(deps.ch, filters, { limit: q.limit, after }));
    },
  );

  app.get<{ Querystring: UsersQuery }>(
    '/v1/admin/users',
    {
      config: { scope: 'admin' },
      schema: {
        summary: "Search the users by balance and expiring points: each user's figures after their last event, largest balance first",
        description:
          'balance, held and pending after the last event; expiring = what the active lots that expire within expiringWithinDays ' +
          `(default ${DEFAULT_EXPIRING_DAYS}) from now still hold, exact from the allocations; lastEventAt = the latest event. ` +
          'minBalance/maxBalance and minExpiring are inclusive. Largest balance first, then userId; nextCursor pages on from ' +
          'where the page ended. format=csv answers every match, no limit.',
        tags: ['admin'],
        querystring: UsersQuery,
        response: { 200: pageOrCsv(AdminUsersPage, ADMIN_USER_FIELDS, 'the users'), ...errors },
      },
    },
    async (request, reply) => {
      const q = request.query;
      notAbove(q.minBalance, q.maxBalance, 'minBalance', 'maxBalance');
      const filters = { minBalance: q.minBalance, maxBalance: q.maxBalance, expiringWithinDays: q.expiringWithinDays, minExpiring: q.minExpiring };
      const now = deps.clock();
      if (csvAlone(q)) return sendCsv(reply, 'users', await fromClickHouse(usersCsv(deps.ch, filters, now)), now);
      const after = cursor(q.cursor, decodeUsersCursor);
      return fromClickHouse(searchUsers(deps.ch, filters, now, { limit: q.limit, after }));
    },
  );
}
