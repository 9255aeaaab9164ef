/** TypeBox schemas shared by the routes (and the OpenAPI document at /docs). */
import { Type, type Static } from '@sinclair/typebox';
import { MAX_AMOUNT } from '../points/types.ts';

export const UserId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$', description: '1-64 chars of [A-Za-z0-9_.:-]' });
export const Amount = Type.Integer({ minimum: 1, maximum: MAX_AMOUNT, description: `points, 1 to ${MAX_AMOUNT}` });
export const Id = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'UUID' });
export const Time = Type.String({ format: 'date-time', description: 'ISO-8601, UTC' });
const Reason = Type.String({ minLength: 1, maxLength: 200 });
const Allocation = Type.Object({ grantId: Type.String(), amount: Type.Integer() });

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({ minLength: 1, maxLength: 128, description: 'the same key and body return the first answer again' }),
});

export const GrantBody = Type.Object(
  {
    userId: UserId,
    amount: Amount,
    expiresAt: Type.Optional(Time),
    validDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500, description: 'default 365' })),
    reason: Reason,
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);
export type GrantBody = Static<typeof GrantBody>;

const CommandReply = {
  eventId: Type.String(),
  userId: Type.String(),
  seq: Type.Integer({ description: "the user's seq after the command: pass it as minSeq to read your write" }),
  balance: Type.Integer({ description: "the user's balance after the command" }),
};

export const GrantReply = Type.Object({ grantId: Type.String(), ...CommandReply, expiresAt: Time });

export const UseBody = Type.Object(
  {
    userId: UserId,
    amount: Amount,
    orderId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);
export type UseBody = Static<typeof UseBody>;
export const UseReply = Type.Object({ useId: Type.String(), ...CommandReply, allocations: Type.Array(Allocation) });

export const UseParams = Type.Object({ useId: Id });
export const CancelBody = Type.Object(
  { amount: Type.Optional(Amount), reason: Type.Optional(Reason) },
  { additionalProperties: false, description: 'no amount: all that is left of the use' },
);
export type CancelBody = Static<typeof CancelBody>;
export const CancelReply = Type.Object({
  cancellationId: Type.String(),
  ...CommandReply,
  restored: Type.Array(
    Type.Object({
      grantId: Type.String(),
      amount: Type.Integer(),
      expired: Type.Boolean({ description: 'the lot had lapsed: its share expired again at once' }),
      revoked: Type.Boolean({ description: 'the grant was revoked: its share was revoked again at once' }),
    }),
  ),
});

export const GrantParams = Type.Object({ grantId: Id });
export const RevokeBody = Type.Object({ reason: Reason }, { additionalProperties: false });
export type RevokeBody = Static<typeof RevokeBody>;
export const RevokeReply = Type.Object({ grantId: Type.String(), ...CommandReply, revoked: Type.Integer({ description: 'points taken back' }) });

export const ExpireBody = Type.Object({ asOf: Type.Optional(Time) }, { additionalProperties: false });
export type ExpireBody = Static<typeof ExpireBody>;
export const ExpireReply = Type.Object({
  expiredLots: Type.Integer(),
  expiredPoints: Type.Integer(),
  users: Type.Integer(),
  // Optional only for a replay of a run made before this field existed (its stored answer lacks it).
  purgedIdempotencyKeys: Type.Optional(Type.Integer({
    minimum: 0,
    description: 'idempotency records older than IDEMPOTENCY_RETENTION_DAYS deleted by this run; a key replayed after that is a new command',
  })),
});
