/** TypeBox schemas shared by the routes (and the OpenAPI document at /docs). The answers are declared in schemas/http-answers.ts. */
export {
  ActivateReply,
  CancelReply,
  CaptureReply,
  GrantReply,
  HoldReply,
  ReleaseReply,
  RevokeReply,
  UseReply,
} from '../../../schemas/http-answers.ts';
import { Type, type Static } from '@sinclair/typebox';
import { HOLD_TTL_SECONDS, MAX_AMOUNT } from '../points/types.ts';
import { ERROR_STATUS, type ErrorCode } from './app-error.ts';

export const UserId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$', description: '1-64 chars of [A-Za-z0-9_.:-]' });
export const Amount = Type.Integer({ minimum: 1, maximum: MAX_AMOUNT, description: `points, 1 to ${MAX_AMOUNT}` });
export const Id = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'UUID' });
export const Time = Type.String({ format: 'date-time', description: 'ISO-8601, UTC' });
export const OrderId = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$', description: '1-100 chars of [A-Za-z0-9_.:-]' });
const Reason = Type.String({ minLength: 1, maxLength: 200 });

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});

/** What each error status means (API.md), for the OpenAPI document. */
const ERROR_WHEN: Record<number, string> = {
  400: 'the body, path or query does not fit the schema; details name each field',
  401: 'no key, or an unknown one',
  403: 'the key lacks the scope',
  404: 'unknown grantId or useId',
  409: 'the command is refused by the ledger, or its Idempotency-Key was used with another request',
  413: 'the body is over 16 KiB',
  415: 'the body is not JSON',
  429: 'the per-key rate limit; Retry-After says when to try again',
  500: 'anything else (nothing of it is shown)',
  503: 'a dependency is down (MySQL for commands, Redis for queries, ClickHouse for analytics)',
  504: 'minSeq not reached within waitMs',
};

/** The `details` of VALIDATION_FAILED: always a list naming each field. */
const FieldProblems = Type.Array(Type.Object({ field: Type.String(), message: Type.String() }, { additionalProperties: true }));

/**
 * The error envelope of one status, its `code` one of that status's codes of API.md
 * (for 409: the ones `conflicts` names, the refusals this route can answer).
 */
function errorBodyFor(status: number, conflicts: readonly ErrorCode[]) {
  const codes = status === 409 ? conflicts : (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((c) => ERROR_STATUS[c] === status);
  if (codes.length === 0) throw new Error(`no error code of API.md answers ${status}`);
  return Type.Object(
    {
      error: Type.Object({
        code: Type.Unsafe<ErrorCode>({ type: 'string', enum: [...codes] }),
        message: Type.String(),
        details: status === 400 ? FieldProblems : Type.Optional(Type.Unknown()),
      }),
    },
    { description: `${codes.join(', ')}: ${ERROR_WHEN[status]}` },
  );
}

/**
 * The error answers of a route for its OpenAPI document (and Fastify's response
 * serialisation), one per status it can answer. `conflicts`: the 409 codes.
 */
export function errorResponses(statuses: readonly number[], conflicts: readonly ErrorCode[] = []) {
  if (statuses.includes(409) !== conflicts.length > 0) throw new Error('409 needs its codes, and only 409 takes them');
  return Object.fromEntries(statuses.map((s) => [s, errorBodyFor(s, conflicts)]));
}

/** What every route with a scope can answer: no or wrong key, the rate limit, the unforeseen. */
export const SCOPED_ERRORS = [401, 403, 429, 500] as const;
/** And a command: a bad body, one that is too large or not JSON, MySQL down. */
export const COMMAND_ERRORS = [400, ...SCOPED_ERRORS, 413, 415, 409, 503] as const;

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
    orderId: Type.Optional(OrderId),
    availableAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'the grant is pending until then (in the future, before expiresAt); validDays then counts from it',
      }),
    ),
  },
  { additionalProperties: false },
);
export type GrantBody = Static<typeof GrantBody>;

export const UseBody = Type.Object(
  {
    userId: UserId,
    amount: Amount,
    orderId: Type.Optional(OrderId),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);
export type UseBody = Static<typeof UseBody>;

export const UseParams = Type.Object({ useId: Id });
export const CancelBody = Type.Object(
  { amount: Type.Optional(Amount), reason: Type.Optional(Reason) },
  { additionalProperties: false, description: 'no amount: all that is left of the use' },
);
export type CancelBody = Static<typeof CancelBody>;

export const GrantParams = Type.Object({ grantId: Id });
export const RevokeBody = Type.Object(
  { reason: Reason, amount: Type.Optional(Amount) },
  { additionalProperties: false, description: 'no amount: all that remains of the grant' },
);
export type RevokeBody = Static<typeof RevokeBody>;
export const ActivateBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
export type ActivateBody = Static<typeof ActivateBody>;

export const HoldBody = Type.Object(
  {
    userId: UserId,
    amount: Amount,
    orderId: Type.Optional(OrderId),
    reason: Type.Optional(Reason),
    ttlSeconds: Type.Optional(
      Type.Integer({ minimum: HOLD_TTL_SECONDS.min, maximum: HOLD_TTL_SECONDS.max, description: `default ${HOLD_TTL_SECONDS.default}` }),
    ),
  },
  { additionalProperties: false },
);
export type HoldBody = Static<typeof HoldBody>;
export const HoldParams = Type.Object({ holdId: Id });
export const CaptureBody = Type.Object(
  { amount: Type.Optional(Amount), reason: Type.Optional(Reason) },
  { additionalProperties: false, description: 'no amount: all of the hold; the rest is released at once' },
);
export type CaptureBody = Static<typeof CaptureBody>;
export const ReleaseBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
export type ReleaseBody = Static<typeof ReleaseBody>;

export const ExpireBody = Type.Object({ asOf: Type.Optional(Time) }, { additionalProperties: false });
export type ExpireBody = Static<typeof ExpireBody>;
export const ExpireReply = Type.Object({
  expiredLots: Type.Integer(),
  expiredPoints: Type.Integer(),
  users: Type.Integer(),
  // Optional only for the replay of a run made before holds and pending grants existed.
  activatedGrants: Type.Optional(Type.Integer({ minimum: 0, description: 'pending grants that came due and became usable' })),
  activatedPoints: Type.Optional(Type.Integer({ minimum: 0 })),
  releasedHolds: Type.Optional(Type.Integer({ minimum: 0, description: 'holds that lapsed and were given back' })),
  releasedPoints: Type.Optional(Type.Integer({ minimum: 0 })),
  // Optional only for a replay of a run made before this field existed (its stored answer lacks it).
  purgedIdempotencyKeys: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'idempotency records older than IDEMPOTENCY_RETENTION_DAYS deleted by this run; a key replayed after that is a new command',
    }),
  ),
});

/**
 * A key of a route's schema: the request body may be left out (the route then sees {}).
 * @fastify/swagger marks every request body required; markOptionalBodies, the
 * document's transformObject, unmarks the bodies of the routes that carry this key.
 */
export const OPTIONAL_BODY = 'x-optional-body';
declare module 'fastify' {
  interface FastifySchema {
    [OPTIONAL_BODY]?: boolean;
  }
}

type Operation = Record<string, unknown> & { requestBody?: { required?: boolean } };

export function markOptionalBodies<T>(doc: T): T {
  const paths = (doc as { paths?: Record<string, Record<string, Operation>> }).paths ?? {};
  for (const operations of Object.values(paths)) {
    for (const op of Object.values(operations)) {
      if (!(OPTIONAL_BODY in op)) continue;
      delete op[OPTIONAL_BODY];
      if (op.requestBody) op.requestBody.required = false;
    }
  }
  return doc;
}
