/**
 * The answers of the HTTP API (the commands' and the read side's), declared once (TypeBox): the routes use
 * them as response schemas (OpenAPI, serialisation), the read models return their
 * Static<> types, and the console imports the types. A change here is a change of the
 * HTTP contract (API.md).
 */
import { Type, type Static } from '@sinclair/typebox';

const Time = Type.String({ format: 'date-time', description: 'ISO-8601, UTC' });
const Nullable = <T extends ReturnType<typeof Type.Integer> | ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const CommandReply = {
  eventId: Type.String(),
  userId: Type.String(),
  seq: Type.Integer({ description: "the user's seq after the command: pass it as minSeq to read your write" }),
  balance: Type.Integer({ description: "the user's balance after the command" }),
};
const Allocation = Type.Object({ grantId: Type.String(), amount: Type.Integer() });

export const GrantReply = Type.Object({ grantId: Type.String(), ...CommandReply, expiresAt: Time });
export type GrantReply = Static<typeof GrantReply>;
export const UseReply = Type.Object({ useId: Type.String(), ...CommandReply, allocations: Type.Array(Allocation) });
export type UseReply = Static<typeof UseReply>;
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
export type CancelReply = Static<typeof CancelReply>;
export const RevokeReply = Type.Object({ grantId: Type.String(), ...CommandReply, revoked: Type.Integer({ description: 'points taken back' }) });
export type RevokeReply = Static<typeof RevokeReply>;

export const BalanceAnswer = Type.Object({
  userId: Type.String(),
  balance: Type.Integer(),
  seq: Type.Integer(),
  updatedAt: Type.Union([Time, Type.Null()]),
  expiringSoon: Type.Object({ amount: Type.Integer(), withinDays: Type.Integer() }),
});
export type BalanceAnswer = Static<typeof BalanceAnswer>;

/** One item of a user's history, the same from Redis (recent events) and ClickHouse (older ones); null fields left out. */
export const HistoryItem = Type.Object({
  eventId: Type.String(),
  seq: Type.Integer(),
  type: Type.String({ description: 'POINTS_GRANTED, POINTS_USED, POINTS_USE_CANCELED, POINTS_EXPIRED, POINTS_REVOKED (more may come)' }),
  amount: Type.Integer(),
  balanceAfter: Type.Integer(),
  occurredAt: Time,
  grantId: Type.Optional(Type.String()),
  useId: Type.Optional(Type.String()),
  cancellationId: Type.Optional(Type.String()),
  orderId: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
});
export type HistoryItem = Static<typeof HistoryItem>;

export const HistoryPage = Type.Object({ items: Type.Array(HistoryItem), nextBeforeSeq: Nullable(Type.Integer()) });
export type HistoryPage = Static<typeof HistoryPage>;

export const ActiveGrant = Type.Object({ grantId: Type.String(), remaining: Type.Integer(), expiresAt: Time });
export type ActiveGrant = Static<typeof ActiveGrant>;

export const DailyRow = Type.Object({
  day: Type.String(),
  granted: Type.Integer(),
  used: Type.Integer(),
  useCanceled: Type.Integer(),
  expired: Type.Integer(),
  revoked: Type.Integer(),
  /** Users with at least one event that day other than an expiry. */
  activeUsers: Type.Integer(),
});
export type DailyRow = Static<typeof DailyRow>;

/** Points of lots that expire on a UTC day, and how many lots. */
export const ExpiringRow = Type.Object({ day: Type.String(), points: Type.Integer(), lots: Type.Integer() });
export type ExpiringRow = Static<typeof ExpiringRow>;

export const TopUserRow = Type.Object({ userId: Type.String(), points: Type.Integer() });
export type TopUserRow = Static<typeof TopUserRow>;

const BinlogPosition = Type.Object({ file: Type.String(), pos: Type.Integer() });

/** GET /v1/pipeline/status. */
export const PipelineStatus = Type.Object({
  at: Time,
  connector: Type.Union([
    Type.Object({
      name: Type.String(), state: Type.String(),
      tasks: Type.Array(Type.Object({ id: Type.Integer(), state: Type.String() })),
      error: Type.Optional(Type.String()),
    }),
    Type.Null(),
  ], { description: 'the first (in the single topology the only) connector, as before `connectors`' }),
  connectors: Type.Array(Type.Object({
    name: Type.String(),
    state: Type.String({ description: 'RUNNING, UNREACHABLE, NOT_REGISTERED, or the failing state' }),
    tasks: Type.Array(Type.Object({ id: Type.Integer(), state: Type.String(), workerId: Type.String() })),
    database: Type.Union([BinlogPosition, Type.Null()]),
    connectorAt: Type.Union([Type.Object({ file: Type.String(), pos: Type.Integer(), tsSec: Type.Optional(Type.Integer()) }), Type.Null()]),
    bytesBehind: Nullable(Type.Integer()),
    msBehind: Nullable(Type.Integer()),
    error: Type.Optional(Type.String()),
  })),
  kafka: Type.Object({
    reachable: Type.Boolean(),
    topic: Type.Optional(Type.String()),
    partitions: Type.Optional(Type.Integer()),
    messages: Type.Optional(Type.Integer()),
    error: Type.Optional(Type.String()),
  }),
  projectors: Type.Array(Type.Object({
    name: Type.String(),
    groupId: Type.String(),
    state: Type.Union([Type.Literal('running'), Type.Literal('stalled'), Type.Literal('not reporting')]),
    lag: Nullable(Type.Integer()),
    partitions: Type.Array(Type.Object({ partition: Type.Integer(), committed: Type.Integer(), end: Type.Integer(), lag: Type.Integer() })),
    lastEvent: Type.Union([Type.Object({ userId: Type.String(), seq: Type.Integer(), occurredAt: Time, appliedAt: Time }), Type.Null()]),
    freshnessMs: Nullable(Type.Integer()),
    statusAgeMs: Nullable(Type.Integer()),
    applied: Type.Integer(),
    duplicatesSkipped: Type.Integer(),
    deadLettered: Type.Integer(),
    storeRetries: Type.Integer(),
    gapsStopped: Type.Integer(),
    consumerRestarts: Type.Integer(),
  })),
  freshnessMs: Nullable(Type.Integer()),
  deadLetter: Type.Object({ topic: Type.String(), messages: Nullable(Type.Integer()) }),
});
export type PipelineStatus = Static<typeof PipelineStatus>;

/** GET /v1/pipeline/history. */
export const PipelineHistory = Type.Object({
  intervalMs: Type.Integer(),
  points: Type.Array(Type.Object({
    at: Time,
    cdcBytesBehind: Nullable(Type.Integer()),
    cdcMsBehind: Nullable(Type.Integer()),
    projectorLag: Type.Record(Type.String(), Nullable(Type.Integer())),
    freshnessMs: Nullable(Type.Integer()),
  })),
});
export type PipelineHistory = Static<typeof PipelineHistory>;
