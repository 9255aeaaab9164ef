/**
 * The ledger's domain types. Plain data: times are epoch milliseconds, amounts are
 * integer points (safe JavaScript integers), ids are strings chosen by the caller.
 */

export { EVENT_TYPES, pointEvent, type Allocation, type EventDraft, type EventType, type PointEvent } from '../../../schemas/point-event.ts';
import type { Allocation, } from '../../../schemas/point-event.ts';

/** A grant's lot. */
export interface Lot {
  grantId: string;
  amount: number;
  remaining: number;
  expiresAt: number;
  grantedAt: number;
  /** The seq of the grant event: orders grants of equal expiry (oldest first). */
  grantSeq: number;
  revoked: boolean;
}

export interface UseAllocation extends Allocation {
  /** How much of this allocation cancellations have given back so far. */
  restored: number;
}

export interface UseRecord {
  useId: string;
  amount: number;
  canceled: number;
  allocations: UseAllocation[];
}

/**
 * What a command needs to know about one user: the balance and seq, every lot with
 * points left, and the lots and uses the command names. Lots or uses that are not
 * loaded are simply absent.
 */
export interface Wallet {
  userId: string;
  balance: number;
  seq: number;
  lots: Lot[];
  uses: UseRecord[];
}

export type Command =
  | { kind: 'grant'; userId: string; grantId: string; amount: number; expiresAt: number; reason: string; source: string | null }
  | { kind: 'use'; userId: string; useId: string; amount: number; orderId: string | null; reason: string | null }
  | { kind: 'cancelUse'; userId: string; useId: string; cancellationId: string; amount: number | null; reason: string | null }
  | { kind: 'revoke'; userId: string; grantId: string; reason: string }
  /** Only the expiry of lapsed lots: what the sweep runs per user. */
  | { kind: 'expire'; userId: string };

export function emptyWallet(userId: string): Wallet {
  return { userId, balance: 0, seq: 0, lots: [], uses: [] };
}

/** At most this many points per command (DESIGN.md). */
export const MAX_AMOUNT = 1_000_000_000;

/** A grant is valid for at most 100 years (36,500 days, the largest validDays). */
export const MAX_VALIDITY_MS = 36_500 * 86_400_000;
