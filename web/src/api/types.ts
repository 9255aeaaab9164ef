/**
 * The shapes the v1 API answers with (see /docs/json and ../shared/API.md). The read
 * side's answers are declared once, in schemas/http-answers.ts and schemas/lookup-answers.ts
 * (type imports only: the console's bundle takes no code from outside web/).
 */
export type {
  ActivateReply,
  ActiveGrant,
  CancelReply,
  CaptureReply,
  DailyRow,
  ExpiringRow,
  GrantReply,
  HistoryItem,
  HistoryPage,
  HoldReply,
  ReleaseReply,
  RevokeReply,
  TopUserRow,
  UseReply,
} from '../../../schemas/http-answers.ts';
import type { ActivateReply, CancelReply, CaptureReply, GrantReply, HoldReply, ReleaseReply, RevokeReply, UseReply } from '../../../schemas/http-answers.ts';

/** GET /v1/users/{userId}/balance: balance (what can be spent now), held, pending, seq, … */
export type { BalanceAnswer as Balance } from '../../../schemas/http-answers.ts';

export type EventType =
  | 'POINTS_GRANTED'
  | 'POINTS_GRANT_PENDING'
  | 'POINTS_GRANT_ACTIVATED'
  | 'POINTS_USED'
  | 'POINTS_USE_CANCELED'
  | 'POINTS_HELD'
  | 'POINTS_HOLD_RELEASED'
  | 'POINTS_EXPIRED'
  | 'POINTS_REVOKED'
  | (string & {});

export type AnyCommandReply = GrantReply | UseReply | CancelReply | RevokeReply | ActivateReply | HoldReply | CaptureReply | ReleaseReply;

// The lookups (API.md "Lookups"): GET /v1/grants/{id}, /v1/uses/{id}, /v1/holds/{id},
// /v1/orders/{id}, /v1/users/{id}/holds (a list of HoldAnswer).
export type { ActiveHolds, GrantAnswer, HoldAnswer, OrderAnswer, UseAnswer } from '../../../schemas/lookup-answers.ts';
import type { GrantAnswer, HoldAnswer } from '../../../schemas/lookup-answers.ts';

export type GrantState = GrantAnswer['state'];
export type HoldState = HoldAnswer['state'];

export interface GrantBody {
  userId: string;
  amount: number;
  validDays?: number;
  expiresAt?: string;
  reason: string;
  source?: string;
  orderId?: string;
  /** A pending grant: usable from then on (validDays counts from it). */
  availableAt?: string;
}
export interface UseBody {
  userId: string;
  amount: number;
  orderId?: string;
  reason?: string;
}
export interface CancelBody {
  amount?: number;
  reason?: string;
}
export interface RevokeBody {
  reason: string;
  /** Only that much of what remains; none: all of it. */
  amount?: number;
}
export interface ActivateBody {
  reason?: string;
}
export interface HoldBody {
  userId: string;
  amount: number;
  orderId?: string;
  reason?: string;
  ttlSeconds?: number;
}
export interface CaptureBody {
  /** None: all of the hold. */
  amount?: number;
  reason?: string;
}
export interface ReleaseBody {
  reason?: string;
}

/** How a projector reports: running (status fresh), stalled (status older than the limit), not reporting (none). */
export type ProjectorState = 'running' | 'stalled' | 'not reporting' | (string & {});

export interface ProjectorStatus {
  name: string;
  groupId: string;
  /** Absent from an API older than the CDC lag report (issue 10). */
  state?: ProjectorState;
  lag: number | null;
  partitions: { partition: number; committed: number; end: number; lag: number }[];
  lastEvent: { userId: string; seq: number; occurredAt: string; appliedAt: string } | null;
  /** With lag: age of the oldest event not applied yet; without: commit-to-applied of the last one. */
  freshnessMs: number | null;
  statusAgeMs: number | null;
  applied: number;
  duplicatesSkipped: number;
  deadLettered: number;
  storeRetries: number;
  gapsStopped: number;
  consumerRestarts?: number;
  /** Why the projector is not running (absent when it is, and from an API older than issue 12). */
  stateReason?: string;
  /** Every instance of the projector's consumer group; absent from an API older than issue 12. */
  instances?: ProjectorInstanceStatus[];
}

/** running (status fresh), stalled (old status, still a group member), dead (old status, not a member), not reporting (a member without status). */
export type ProjectorInstanceState = 'running' | 'stalled' | 'dead' | 'not reporting' | (string & {});

export interface ProjectorInstanceStatus {
  instance: string;
  state: ProjectorInstanceState;
  updatedAt: string | null;
  statusAgeMs: number | null;
  /** A member of the consumer group now; null when unknown. */
  member: boolean | null;
  partitions: number[];
  lastEvent: { userId: string; seq: number; occurredAt: string; appliedAt: string } | null;
  applied: number;
  duplicatesSkipped: number;
  deadLettered: number;
  storeRetries: number;
  gapsStopped: number;
  consumerRestarts: number;
}

export interface BinlogPosition {
  file: string;
  pos: number;
}

/** An outbox connector and how far it is behind its database's binlog. */
export interface ConnectorStatus {
  name: string;
  /** RUNNING, UNREACHABLE, NOT_REGISTERED, PAUSED, FAILED, TASK_FAILED, … */
  state: string;
  tasks: { id: number; state: string; workerId?: string }[];
  /** The database's binlog end; null when it could not be read. */
  database: BinlogPosition | null;
  /** The position the connector has committed (tsSec: binlog time of its event). */
  connectorAt: (BinlogPosition & { tsSec?: number }) | null;
  bytesBehind: number | null;
  msBehind: number | null;
  error?: string;
}

export interface PipelineStatus {
  at: string;
  /** The first connector, in the old shape (null when none is configured). */
  connector: { name: string; state: string; error?: string; tasks: { id: number; state: string }[] } | null;
  /** Every outbox connector with its CDC lag; absent from an API older than issue 10. */
  connectors?: ConnectorStatus[];
  kafka: { reachable: boolean; topic?: string; partitions?: number; messages?: number; error?: string };
  projectors: ProjectorStatus[];
  /** End to end: age of the oldest committed event not yet in every read model; null when unknown. */
  freshnessMs?: number | null;
  deadLetter: { topic: string; messages: number | null };
}

/** One sample of GET /v1/pipeline/history. */
export interface PipelineHistoryPoint {
  at: string;
  cdcBytesBehind: number | null;
  cdcMsBehind: number | null;
  /** Consumer-group lag (messages) per projector name. */
  projectorLag: Record<string, number | null>;
  /** Instances in state running per projector; absent from an API older than issue 12. */
  projectorInstancesRunning?: Record<string, number>;
  freshnessMs: number | null;
}

export interface PipelineHistory {
  intervalMs: number;
  points: PipelineHistoryPoint[];
}

// Operations (API.md "Operations"): admin search, grant batches, liability and cohorts, dead letters.
export type { CohortRow, LiabilityAnswer } from '../../../schemas/http-answers.ts';

/** GET /v1/admin/events (one event as ClickHouse has it) and GET /v1/admin/users (one user's figures). */
export type { AdminEvent, AdminUser } from '../../../schemas/admin-answers.ts';

/** A page of an admin search: `nextCursor` null on the last page. */
export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * POST /v1/points/grant-batches (202: BatchAccepted) and GET /v1/points/grant-batches/{batchId}
 * (BatchStatus: `done` rows granted, `failed` rows refused, the first of them in `errors`).
 */
export type { BatchAccepted, BatchStatus } from '../../../schemas/batch-answers.ts';

/**
 * GET /v1/pipeline/dead-letters (a message a projector could not apply, at its place in the
 * points topic) and POST /v1/pipeline/dead-letters/redrive (what the redrive did).
 */
export type { DeadLetterItem as DeadLetter, RedriveAnswer as RedriveReply } from '../../../schemas/dead-letter-answers.ts';
