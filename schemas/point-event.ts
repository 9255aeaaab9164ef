/**
 * The TypeScript shape of the point event: exactly the record of point-event.avsc
 * (checked by event-codec.unit.test.ts). Plain data: times are epoch milliseconds,
 * amounts integer points. The contract between the API (which writes it) and the
 * projectors (which read it); this folder imports nothing of ours.
 */

export const EVENT_TYPES = [
  'POINTS_GRANTED',
  'POINTS_USED',
  'POINTS_USE_CANCELED',
  'POINTS_EXPIRED',
  'POINTS_REVOKED',
  // Version 2 of the schema (order lifecycle).
  'POINTS_GRANT_PENDING',
  'POINTS_GRANT_ACTIVATED',
  'POINTS_HELD',
  'POINTS_HOLD_RELEASED',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Points moved to or from one lot. */
export interface Allocation {
  grantId: string;
  amount: number;
}

/** One fact of the ledger; the user's `seq` numbers them 1, 2, 3, ... without gaps. */
export interface PointEvent {
  eventId: string;
  userId: string;
  seq: number;
  type: EventType;
  /** Always positive: the direction follows from the type. */
  amount: number;
  balanceAfter: number;
  occurredAt: number;
  grantId: string | null;
  useId: string | null;
  cancellationId: string | null;
  expiresAt: number | null;
  /** USED: lots spent from; USE_CANCELED: lots given back to. Empty otherwise. */
  allocations: Allocation[];
  reason: string | null;
  source: string | null;
  orderId: string | null;
  /** HELD, HOLD_RELEASED, and USED when the use is a hold's capture. */
  holdId: string | null;
  /** GRANT_PENDING: when the lot becomes usable. */
  availableAt: number | null;
  /** The user's held points after this event (0 in version 1 events). */
  heldAfter: number;
  /** The user's pending points after this event (0 in version 1 events). */
  pendingAfter: number;
}

/** The fields an event must be given; the others default to null (allocations to [], heldAfter and pendingAfter to 0). */
export type EventDraft = Pick<PointEvent, 'eventId' | 'userId' | 'seq' | 'type' | 'amount' | 'balanceAfter' | 'occurredAt'> & Partial<PointEvent>;

export function pointEvent(d: EventDraft): PointEvent {
  return {
    grantId: null,
    useId: null,
    cancellationId: null,
    expiresAt: null,
    allocations: [],
    reason: null,
    source: null,
    orderId: null,
    holdId: null,
    availableAt: null,
    heldAfter: 0,
    pendingAfter: 0,
    ...d,
  };
}
