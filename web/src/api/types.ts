/** The shapes the v1 API answers with (see /docs/json and ../shared/API.md). */

export interface Balance {
  userId: string;
  balance: number;
  seq: number;
  updatedAt: string | null;
  expiringSoon: { amount: number; withinDays: number };
}

export type EventType = 'POINTS_GRANTED' | 'POINTS_USED' | 'POINTS_USE_CANCELED' | 'POINTS_EXPIRED' | 'POINTS_REVOKED' | (string & {});

export interface HistoryItem {
  eventId: string;
  seq: number;
  type: EventType;
  amount: number;
  balanceAfter: number;
  occurredAt: string;
  grantId?: string;
  useId?: string;
  cancellationId?: string;
  orderId?: string;
  reason?: string;
}

export interface HistoryPage {
  items: HistoryItem[];
  nextBeforeSeq: number | null;
}

export interface ActiveGrant {
  grantId: string;
  remaining: number;
  expiresAt: string;
}

interface CommandReply {
  eventId: string;
  userId: string;
  seq: number;
  balance: number;
}

export interface GrantReply extends CommandReply { grantId: string; expiresAt: string }
export interface UseReply extends CommandReply { useId: string; allocations: { grantId: string; amount: number }[] }
export interface CancelReply extends CommandReply {
  cancellationId: string;
  restored: { grantId: string; amount: number; expired: boolean; revoked: boolean }[];
}
export interface RevokeReply extends CommandReply { grantId: string; revoked: number }
export type AnyCommandReply = GrantReply | UseReply | CancelReply | RevokeReply;

export interface GrantBody { userId: string; amount: number; validDays?: number; expiresAt?: string; reason: string; source?: string }
export interface UseBody { userId: string; amount: number; orderId?: string; reason?: string }
export interface CancelBody { amount?: number; reason?: string }
export interface RevokeBody { reason: string }

export interface DailyRow {
  day: string;
  granted: number;
  used: number;
  useCanceled: number;
  expired: number;
  revoked: number;
  activeUsers: number;
}

export interface ExpiringRow { day: string; points: number; lots: number }
export interface TopUserRow { userId: string; points: number }

export interface ProjectorStatus {
  name: string;
  groupId: string;
  lag: number | null;
  partitions: { partition: number; committed: number; end: number; lag: number }[];
  lastEvent: { userId: string; seq: number; occurredAt: string; appliedAt: string } | null;
  freshnessMs: number | null;
  statusAgeMs: number | null;
  applied: number;
  duplicatesSkipped: number;
  deadLettered: number;
  storeRetries: number;
  gapsStopped: number;
}

export interface PipelineStatus {
  at: string;
  connector: { name: string; state: string; error?: string; tasks: { id: number; state: string }[] };
  kafka: { reachable: boolean; topic?: string; partitions?: number; messages?: number; error?: string };
  projectors: ProjectorStatus[];
  deadLetter: { topic: string; messages: number | null };
}
