/**
 * The shapes the v1 API answers with (see /docs/json and ../shared/API.md). The read
 * side's answers are declared once, in schemas/http-answers.ts (type imports only: the
 * console's bundle takes no code from outside web/).
 */
export type {
  ActiveGrant, BalanceAnswer as Balance, CancelReply, DailyRow, ExpiringRow, GrantReply, HistoryItem, HistoryPage, RevokeReply, TopUserRow, UseReply,
} from '../../../schemas/http-answers.ts';
import type { CancelReply, GrantReply, RevokeReply, UseReply } from '../../../schemas/http-answers.ts';

export type EventType = 'POINTS_GRANTED' | 'POINTS_USED' | 'POINTS_USE_CANCELED' | 'POINTS_EXPIRED' | 'POINTS_REVOKED' | (string & {});

export type AnyCommandReply = GrantReply | UseReply | CancelReply | RevokeReply;

export interface GrantBody { userId: string; amount: number; validDays?: number; expiresAt?: string; reason: string; source?: string }
export interface UseBody { userId: string; amount: number; orderId?: string; reason?: string }
export interface CancelBody { amount?: number; reason?: string }
export interface RevokeBody { reason: string }

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
}

export interface BinlogPosition { file: string; pos: number }

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
  freshnessMs: number | null;
}

export interface PipelineHistory {
  intervalMs: number;
  points: PipelineHistoryPoint[];
}
