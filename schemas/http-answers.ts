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
  balance: Type.Integer({ description: "the user's balance after the command: what can be spent now" }),
  // Optional only for the replay of an answer stored before holds and pending grants existed.
  held: Type.Optional(Type.Integer({ description: "the user's points reserved by active holds, after the command" })),
  pending: Type.Optional(Type.Integer({ description: "the user's points granted but not yet available, after the command" })),
};
const Allocation = Type.Object({ grantId: Type.String(), amount: Type.Integer() });

export const GrantReply = Type.Object({
  grantId: Type.String(),
  ...CommandReply,
  expiresAt: Time,
  // Optional only for the replay of an answer stored before pending grants existed.
  state: Type.Optional(Type.Union([Type.Literal('PENDING'), Type.Literal('ACTIVE')])),
  availableAt: Type.Optional(Nullable(Time)),
});
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
export const ActivateReply = Type.Object({ grantId: Type.String(), ...CommandReply, activated: Type.Integer({ description: 'points that became usable' }) });
export type ActivateReply = Static<typeof ActivateReply>;
export const HoldReply = Type.Object({ holdId: Type.String(), ...CommandReply, allocations: Type.Array(Allocation), expiresAt: Time });
export type HoldReply = Static<typeof HoldReply>;
export const CaptureReply = Type.Object({
  holdId: Type.String(),
  useId: Type.String(),
  ...CommandReply,
  captured: Type.Integer({ description: 'points of the hold that became the use' }),
  released: Type.Integer({ description: 'the rest of the hold, given back to its lots' }),
  allocations: Type.Array(Allocation, { description: "the use's allocations" }),
});
export type CaptureReply = Static<typeof CaptureReply>;
const Restored = Type.Object({
  grantId: Type.String(),
  amount: Type.Integer(),
  expired: Type.Boolean({ description: 'the lot had lapsed: its share expired again at once' }),
  revoked: Type.Boolean({ description: 'the grant was revoked: its share was revoked again at once' }),
});
export const ReleaseReply = Type.Object({ holdId: Type.String(), ...CommandReply, released: Type.Integer(), restored: Type.Array(Restored) });
export type ReleaseReply = Static<typeof ReleaseReply>;

export const BalanceAnswer = Type.Object({
  userId: Type.String(),
  balance: Type.Integer({ description: 'what can be spent now' }),
  held: Type.Integer({ description: 'points reserved by active holds (not in balance)' }),
  pending: Type.Integer({ description: 'points granted but not yet available (not in balance)' }),
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

/**
 * GET /v1/analytics/liability: the points the ledger owes at the end of a UTC day (every
 * event before the next day's 00:00 UTC). Always outstanding + pending = granted − used +
 * useCanceled − expired − revoked (the movements up to then, summed).
 */
export const LiabilityAnswer = Type.Object({
  asOf: Type.String({ description: 'YYYY-MM-DD (UTC): the figures at the end of that day' }),
  outstanding: Type.Integer({ description: 'what customers can still spend or hold reserved: Σ balance + Σ held' }),
  pending: Type.Integer({ description: 'granted but not yet available: Σ pending (not in outstanding)' }),
  held: Type.Integer({ description: 'Σ held: reserved by holds not yet captured or released (part of outstanding)' }),
  granted: Type.Integer({ description: 'every grant up to then, active and pending' }),
  used: Type.Integer({ description: 'every use up to then, captures of holds included' }),
  useCanceled: Type.Integer({ description: 'points given back by cancellations of uses' }),
  expired: Type.Integer(),
  revoked: Type.Integer({ description: 'whole and partial revocations, of active and pending lots' }),
  breakageRate: Type.Number({ minimum: 0, maximum: 1, description: 'expired ÷ (granted − revoked); 0 when that is 0' }),
});
export type LiabilityAnswer = Static<typeof LiabilityAnswer>;

/**
 * GET /v1/analytics/cohorts: the lots granted in one UTC month (active and pending grants)
 * and what became of them, from the allocations the events record. For every month
 * granted − used + useCanceled − expired − revoked = outstanding.
 */
export const CohortRow = Type.Object({
  month: Type.String({ description: 'YYYY-MM (UTC) in which the lots were granted' }),
  granted: Type.Integer({ description: 'the grants of that month, active and pending' }),
  used: Type.Integer({ description: "what uses took from the month's lots, captures of holds included (the hold's allocations)" }),
  useCanceled: Type.Integer({ description: "what cancellations gave back to the month's lots" }),
  expired: Type.Integer({ description: "what expired from the month's lots" }),
  revoked: Type.Integer({ description: "what revocations took from the month's lots" }),
  outstanding: Type.Integer({
    description: "what remains of the month's lots: their remaining (active and pending lots) + what holds not yet captured or released took from them",
  }),
});
export type CohortRow = Static<typeof CohortRow>;

const BinlogPosition = Type.Object({ file: Type.String(), pos: Type.Integer() });

const LastEvent = Type.Object({ userId: Type.String(), seq: Type.Integer(), occurredAt: Time, appliedAt: Time });

/** One instance of a projector (a member of its consumer group), from the status it publishes and the group's members. */
export const ProjectorInstance = Type.Object({
  instance: Type.String({ description: 'INSTANCE_NAME of the process (projector-redis-1, ...)' }),
  state: Type.Union([Type.Literal('running'), Type.Literal('stalled'), Type.Literal('dead'), Type.Literal('not reporting')], {
    description:
      'running: status younger than PROJECTOR_STALLED_AFTER_MS; stalled: older, and still a group member (or membership unknown); dead: older and not a member; not reporting: a member without a status',
  }),
  updatedAt: Type.Union([Time, Type.Null()], { description: 'when it last published its status' }),
  statusAgeMs: Nullable(Type.Integer()),
  member: Type.Union([Type.Boolean(), Type.Null()], { description: 'a member of the consumer group now; null when Kafka cannot be asked' }),
  partitions: Type.Array(Type.Integer(), { description: 'partitions of the topic assigned to it now (none when not a member)' }),
  lastEvent: Type.Union([LastEvent, Type.Null()]),
  applied: Type.Integer(),
  duplicatesSkipped: Type.Integer(),
  deadLettered: Type.Integer(),
  storeRetries: Type.Integer(),
  gapsStopped: Type.Integer(),
  consumerRestarts: Type.Integer(),
});
export type ProjectorInstance = Static<typeof ProjectorInstance>;

/** GET /v1/pipeline/status. */
export const PipelineStatus = Type.Object({
  at: Time,
  connector: Type.Union(
    [
      Type.Object({
        name: Type.String(),
        state: Type.String(),
        tasks: Type.Array(Type.Object({ id: Type.Integer(), state: Type.String() })),
        error: Type.Optional(Type.String()),
      }),
      Type.Null(),
    ],
    { description: 'the first (in the single topology the only) connector, as before `connectors`' },
  ),
  connectors: Type.Array(
    Type.Object({
      name: Type.String(),
      state: Type.String({ description: 'RUNNING, UNREACHABLE, NOT_REGISTERED, or the failing state' }),
      tasks: Type.Array(Type.Object({ id: Type.Integer(), state: Type.String(), workerId: Type.String() })),
      database: Type.Union([BinlogPosition, Type.Null()]),
      connectorAt: Type.Union([Type.Object({ file: Type.String(), pos: Type.Integer(), tsSec: Type.Optional(Type.Integer()) }), Type.Null()]),
      bytesBehind: Nullable(Type.Integer()),
      msBehind: Nullable(Type.Integer()),
      error: Type.Optional(Type.String()),
    }),
  ),
  kafka: Type.Object({
    reachable: Type.Boolean(),
    topic: Type.Optional(Type.String()),
    partitions: Type.Optional(Type.Integer()),
    messages: Type.Optional(Type.Integer()),
    error: Type.Optional(Type.String()),
  }),
  projectors: Type.Array(
    Type.Object({
      name: Type.String(),
      groupId: Type.String(),
      state: Type.Union([Type.Literal('running'), Type.Literal('stalled'), Type.Literal('not reporting')], {
        description:
          'running: at least one instance reports within PROJECTOR_STALLED_AFTER_MS, no instance that holds partitions is stalled, and no partition with lag has gone without a commit that long; stalled: any of those fails (stateReason says which); not reporting: no status at all',
      }),
      stateReason: Type.Optional(Type.String({ description: 'why the projector is not running' })),
      lag: Nullable(Type.Integer()),
      partitions: Type.Array(Type.Object({ partition: Type.Integer(), committed: Type.Integer(), end: Type.Integer(), lag: Type.Integer() })),
      lastEvent: Type.Union([LastEvent, Type.Null()]),
      freshnessMs: Nullable(Type.Integer()),
      statusAgeMs: Nullable(Type.Integer({ description: "age of the freshest instance's status" })),
      applied: Type.Integer(),
      duplicatesSkipped: Type.Integer(),
      deadLettered: Type.Integer(),
      storeRetries: Type.Integer(),
      gapsStopped: Type.Integer(),
      consumerRestarts: Type.Integer(),
      instances: Type.Array(ProjectorInstance, {
        description: "every instance of the projector's consumer group: those that published a status in the last hour, and members that publish none",
      }),
    }),
  ),
  freshnessMs: Nullable(Type.Integer()),
  deadLetter: Type.Object({ topic: Type.String(), messages: Nullable(Type.Integer()) }),
});
export type PipelineStatus = Static<typeof PipelineStatus>;

/** GET /v1/pipeline/history. */
export const PipelineHistory = Type.Object({
  intervalMs: Type.Integer(),
  points: Type.Array(
    Type.Object({
      at: Time,
      cdcBytesBehind: Nullable(Type.Integer()),
      cdcMsBehind: Nullable(Type.Integer()),
      projectorLag: Type.Record(Type.String(), Nullable(Type.Integer())),
      projectorInstancesRunning: Type.Record(Type.String(), Type.Integer(), { description: 'instances in state running, per projector' }),
      freshnessMs: Nullable(Type.Integer()),
    }),
  ),
});
export type PipelineHistory = Static<typeof PipelineHistory>;
