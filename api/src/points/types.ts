/**
 * The ledger's domain types. Plain data: times are epoch milliseconds, amounts are
 * integer points (safe JavaScript integers), ids are strings chosen by the caller.
 */

export { EVENT_TYPES, pointEvent, type Allocation, type EventDraft, type EventType, type PointEvent } from '../../../schemas/point-event.ts';
import type { Allocation } from '../../../schemas/point-event.ts';

/** A grant's lot. */
export interface Lot {
  grantId: string;
  amount: number;
  remaining: number;
  expiresAt: number;
  grantedAt: number;
  /** The seq of the grant event: orders grants of equal expiry (oldest first). */
  grantSeq: number;
  /**
   * Closed by revocation: a revocation left the lot with nothing. A partial revocation
   * leaves it open (what it did not take is still the user's); points given back later
   * to a closed lot (a cancellation, a release) are revoked again at once.
   */
  revoked: boolean;
  /**
   * Granted with `availableAt` and not activated yet: its points are in the wallet's
   * `pending`, not in `balance`; it cannot be spent, held or expired.
   */
  pending: boolean;
  /** When a pending lot activates by itself (null: granted active). */
  availableAt: number | null;
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

export type HoldState = 'ACTIVE' | 'CAPTURED' | 'RELEASED';

/** Points reserved at checkout: taken from lots as a use would, kept aside until captured, released or lapsed. */
export interface HoldRecord {
  holdId: string;
  amount: number;
  /** The lots the hold took from, in the order it took them (earliest expiry first). */
  allocations: Allocation[];
  expiresAt: number;
  orderId: string | null;
  state: HoldState;
  /** What the capture turned into a use (0 until captured). */
  captured: number;
  /** What went back to the lots (a release, a lapse, or the rest of a partial capture). Outstanding = amount − captured − released. */
  released: number;
  /** The use of the capture. */
  useId: string | null;
}

/**
 * What a command needs to know about one user: the balance and seq, every lot with
 * points left, and the lots and uses the command names. Lots or uses that are not
 * loaded are simply absent.
 */
export interface Wallet {
  userId: string;
  /** What can be spent now: Σ remaining of the active lots. */
  balance: number;
  /** Σ outstanding (amount − captured − released) of the active holds. */
  held: number;
  /** Σ remaining of the pending lots. */
  pending: number;
  seq: number;
  lots: Lot[];
  uses: UseRecord[];
  /** The active holds, and the holds the command names. */
  holds: HoldRecord[];
}

export type Command =
  | {
      kind: 'grant';
      userId: string;
      grantId: string;
      amount: number;
      expiresAt: number;
      reason: string;
      source: string | null;
      orderId?: string | null;
      /** Set: the grant is pending until then (in the future, before expiresAt). */
      availableAt?: number | null;
    }
  | { kind: 'use'; userId: string; useId: string; amount: number; orderId: string | null; reason: string | null }
  | { kind: 'cancelUse'; userId: string; useId: string; cancellationId: string; amount: number | null; reason: string | null }
  /** amount null (or absent): all that remains of the grant. */
  | { kind: 'revoke'; userId: string; grantId: string; reason: string; amount?: number | null }
  | { kind: 'activate'; userId: string; grantId: string; reason: string | null }
  | { kind: 'hold'; userId: string; holdId: string; amount: number; orderId: string | null; reason: string | null; ttlSeconds: number }
  /** amount null: all of the hold; the rest of the hold is released at once. */
  | { kind: 'capture'; userId: string; holdId: string; useId: string; amount: number | null; reason: string | null }
  | { kind: 'release'; userId: string; holdId: string; reason: string | null }
  /** Only the lazy steps (activate due lots, release lapsed holds, expire lapsed lots): what the maintenance run runs per user. */
  | { kind: 'expire'; userId: string };

export function emptyWallet(userId: string): Wallet {
  return { userId, balance: 0, held: 0, pending: 0, seq: 0, lots: [], uses: [], holds: [] };
}

/** At most this many points per command (DESIGN.md). */
export const MAX_AMOUNT = 1_000_000_000;

/** A grant is valid for at most 100 years (36,500 days, the largest validDays). */
export const MAX_VALIDITY_MS = 36_500 * 86_400_000;

/** A hold lasts 60 s to 24 h; 15 minutes unless the command says otherwise (API.md). */
export const HOLD_TTL_SECONDS = { min: 60, max: 86_400, default: 900 } as const;
