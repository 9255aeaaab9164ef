/**
 * The answers of the lookups (API.md "Additions", "Lookups"): a grant, a use, a hold by id,
 * a user's active holds, and everything that carries an orderId. Declared once (TypeBox),
 * as http-answers.ts declares the others: the routes use them as response schemas
 * (OpenAPI, serialisation), the Redis read model returns their Static<> types. Fields a
 * record does not have are left out (orderId?, source?, ...).
 */
import { Type, type Static } from '@sinclair/typebox';
import { ActiveGrant, UseReply } from './http-answers.ts';

// The same schemas as every other answer's: taken from the answers that declare them.
const Time = ActiveGrant.properties.expiresAt;
const Allocation = UseReply.properties.allocations.items;

const GRANT_STATES =
  'PENDING until it activates; ACTIVE while it has points left (again after a cancellation or release gives some back); SPENT when uses or holds took its last point; EXPIRED or REVOKED when an expiry or a revocation left it at 0';

export const GrantAnswer = Type.Object({
  grantId: Type.String(),
  userId: Type.String(),
  state: Type.Union([Type.Literal('PENDING'), Type.Literal('ACTIVE'), Type.Literal('SPENT'), Type.Literal('EXPIRED'), Type.Literal('REVOKED')], {
    description: GRANT_STATES,
  }),
  amount: Type.Integer({ description: 'points granted' }),
  remaining: Type.Integer({ description: 'points left in the lot (of the pending lot while PENDING)' }),
  availableAt: Type.Optional(Type.String({ ...Time, description: 'when a pending grant becomes usable (granted pending only)' })),
  expiresAt: Time,
  orderId: Type.Optional(Type.String()),
  reason: Type.String(),
  source: Type.Optional(Type.String()),
});
export type GrantAnswer = Static<typeof GrantAnswer>;

export const UseAnswer = Type.Object({
  useId: Type.String(),
  userId: Type.String(),
  amount: Type.Integer(),
  canceled: Type.Integer({ description: 'points given back by its cancellations so far' }),
  orderId: Type.Optional(Type.String()),
  holdId: Type.Optional(Type.String({ description: 'the hold whose capture this use is' })),
  allocations: Type.Array(Allocation, { description: 'the lots it spent from' }),
  cancellations: Type.Array(Type.Object({ cancellationId: Type.String(), amount: Type.Integer(), occurredAt: Time }), { description: 'oldest first' }),
});
export type UseAnswer = Static<typeof UseAnswer>;

export const HoldAnswer = Type.Object({
  holdId: Type.String(),
  userId: Type.String(),
  state: Type.Union([Type.Literal('ACTIVE'), Type.Literal('CAPTURED'), Type.Literal('RELEASED')], {
    description: 'ACTIVE until captured (CAPTURED, also when the rest of a partial capture was released) or released (RELEASED, also when it lapsed)',
  }),
  amount: Type.Integer({ description: 'points held' }),
  captured: Type.Integer({ description: 'points its capture turned into a use (0 until captured)' }),
  expiresAt: Time,
  orderId: Type.Optional(Type.String()),
  useId: Type.Optional(Type.String({ description: 'the use of its capture' })),
});
export type HoldAnswer = Static<typeof HoldAnswer>;

/** GET /v1/users/{userId}/holds: the active holds, earliest expiry first. */
export const ActiveHolds = Type.Array(HoldAnswer);
export type ActiveHolds = Static<typeof ActiveHolds>;

/** GET /v1/orders/{orderId}: everything that carries the orderId, whoever the user; each list oldest first. */
export const OrderAnswer = Type.Object({
  orderId: Type.String(),
  grants: Type.Array(GrantAnswer),
  uses: Type.Array(UseAnswer),
  holds: Type.Array(HoldAnswer),
});
export type OrderAnswer = Static<typeof OrderAnswer>;
