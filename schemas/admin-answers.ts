/**
 * The answers of the admin search (API.md "Operations", scope admin): GET /v1/admin/events
 * and GET /v1/admin/users, from the ClickHouse analytics model. Declared once (TypeBox), as
 * http-answers.ts declares the others: the routes use them as response schemas (OpenAPI,
 * serialisation), the ClickHouse read side returns their Static<> types, and the CSV
 * export's header is their field names in this order (ADMIN_EVENT_FIELDS,
 * ADMIN_USER_FIELDS). Fields an event does not have are left out (grantId?, ...), and are
 * empty cells in CSV.
 */
import { Type, type Static } from '@sinclair/typebox';

const Time = Type.String({ format: 'date-time', description: 'ISO-8601, UTC, milliseconds' });
const Cursor = Type.Union([Type.String({ description: 'opaque: pass it as cursor for the next page' }), Type.Null()], {
  description: 'null on the last page',
});

/** One ledger event as the search finds it. */
export const AdminEvent = Type.Object({
  eventId: Type.String(),
  userId: Type.String(),
  seq: Type.Integer({ description: "the event's place in its user's sequence (1, 2, 3, ...)" }),
  type: Type.String({
    description:
      'POINTS_GRANTED, POINTS_GRANT_PENDING, POINTS_GRANT_ACTIVATED, POINTS_USED, POINTS_USE_CANCELED, POINTS_HELD, POINTS_HOLD_RELEASED, POINTS_EXPIRED, POINTS_REVOKED',
  }),
  amount: Type.Integer(),
  balanceAfter: Type.Integer({ description: "the user's spendable balance after the event" }),
  occurredAt: Time,
  grantId: Type.Optional(Type.String()),
  useId: Type.Optional(Type.String()),
  holdId: Type.Optional(Type.String()),
  orderId: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  source: Type.Optional(Type.String()),
});
export type AdminEvent = Static<typeof AdminEvent>;

/** GET /v1/admin/events: a page, newest first (occurredAt, then seq, descending). */
export const AdminEventsPage = Type.Object({ items: Type.Array(AdminEvent), nextCursor: Cursor });
export type AdminEventsPage = Static<typeof AdminEventsPage>;

/** One user as the users search finds them: their figures after their last event. */
export const AdminUser = Type.Object({
  userId: Type.String(),
  balance: Type.Integer({ description: 'spendable points after the last event' }),
  held: Type.Integer({ description: 'points reserved by active holds' }),
  pending: Type.Integer({ description: 'points granted but not yet available' }),
  expiring: Type.Integer({
    description: "points of the user's active lots that expire within expiringWithinDays (default 30) from now, what the lots still hold",
  }),
  lastEventAt: Time,
});
export type AdminUser = Static<typeof AdminUser>;

/** GET /v1/admin/users: a page, largest balance first (then userId). */
export const AdminUsersPage = Type.Object({ items: Type.Array(AdminUser), nextCursor: Cursor });
export type AdminUsersPage = Static<typeof AdminUsersPage>;

/** The CSV export's header of the events search: the JSON field names, in the contract's order. */
export const ADMIN_EVENT_FIELDS = Object.keys(AdminEvent.properties) as (keyof AdminEvent)[];
/** The CSV export's header of the users search. */
export const ADMIN_USER_FIELDS = Object.keys(AdminUser.properties) as (keyof AdminUser)[];
