/** Test support (pure): hand-made PointEvents. */
import { randomUUID } from 'node:crypto';
import { pointEvent, type Allocation, type EventType, type PointEvent } from '../../../schemas/point-event.ts';

export function event(userId: string, seq: number, type: EventType, amount: number, more: Partial<PointEvent> = {}): PointEvent {
  return pointEvent({ eventId: `${userId}-${seq}`, userId, seq, type, amount, balanceAfter: 0, occurredAt: Date.UTC(2024, 0, 1), ...more });
}

/** Events 1..n of a user, all grants of 10 points: for tests where only seq matters. */
export function grants(userId: string, from: number, to: number): PointEvent[] {
  const out: PointEvent[] = [];
  for (let seq = from; seq <= to; seq++) {
    out.push(
      event(userId, seq, 'POINTS_GRANTED', 10, {
        grantId: `${userId}-g${seq}`,
        expiresAt: Date.UTC(2030, 0, 1),
        balanceAfter: 10 * seq,
      }),
    );
  }
  return out;
}

/**
 * Builds one user's ledger the way the API would, keeping seq, balanceAfter, heldAfter
 * and pendingAfter right: each call appends an event at `at` (epoch ms). The caller
 * picks the allocations (the builder knows no FIFO), as a hand-worked example does.
 */
export class LedgerBuilder {
  readonly events: PointEvent[] = [];
  private balance = 0;
  private held = 0;
  private pending = 0;
  /** The lots granted pending and not activated yet. */
  private readonly pendingLots = new Set<string>();
  constructor(readonly userId: string) {}

  private push(type: EventType, amount: number, at: number, more: Partial<PointEvent>): PointEvent {
    switch (type) {
      case 'POINTS_GRANTED':
      case 'POINTS_USE_CANCELED':
        this.balance += amount;
        break;
      case 'POINTS_GRANT_PENDING':
        this.pending += amount;
        this.pendingLots.add(more.grantId!);
        break;
      case 'POINTS_GRANT_ACTIVATED':
        this.pending -= amount;
        this.balance += amount;
        this.pendingLots.delete(more.grantId!);
        break;
      case 'POINTS_HELD':
        this.balance -= amount;
        this.held += amount;
        break;
      case 'POINTS_HOLD_RELEASED':
        this.held -= amount;
        this.balance += amount;
        break;
      case 'POINTS_USED':
        if (more.holdId) this.held -= amount;
        else this.balance -= amount;
        break;
      case 'POINTS_REVOKED':
        if (this.pendingLots.has(more.grantId!)) this.pending -= amount;
        else this.balance -= amount;
        break;
      case 'POINTS_EXPIRED':
        this.balance -= amount;
        break;
    }
    const e = event(this.userId, this.events.length + 1, type, amount, {
      occurredAt: at,
      balanceAfter: this.balance,
      heldAfter: this.held,
      pendingAfter: this.pending,
      ...more,
    });
    this.events.push(e);
    return e;
  }

  grant(grantId: string, amount: number, at: number, expiresAt: number, source: string | null = null): this {
    this.push('POINTS_GRANTED', amount, at, { grantId, expiresAt, source, reason: 'test grant' });
    return this;
  }

  /** A grant whose points become usable at `availableAt` (POINTS_GRANT_PENDING). */
  pendingGrant(grantId: string, amount: number, at: number, availableAt: number, expiresAt: number, source: string | null = null): this {
    this.push('POINTS_GRANT_PENDING', amount, at, { grantId, expiresAt, availableAt, source, orderId: `o-${grantId}`, reason: 'test pending grant' });
    return this;
  }

  /** A pending lot becomes usable: `amount` is all it has left. */
  activate(grantId: string, amount: number, at: number): this {
    this.push('POINTS_GRANT_ACTIVATED', amount, at, { grantId, reason: 'available' });
    return this;
  }

  /** A hold of the allocations' points, lapsing at `expiresAt`. */
  hold(holdId: string, allocations: Allocation[], at: number, expiresAt: number): this {
    this.push(
      'POINTS_HELD',
      allocations.reduce((s, a) => s + a.amount, 0),
      at,
      { holdId, allocations, expiresAt, orderId: `o-${holdId}` },
    );
    return this;
  }

  /** A hold's capture: a POINTS_USED carrying the holdId (the rest of the hold is a release of its own). */
  capture(holdId: string, useId: string, allocations: Allocation[], at: number): this {
    this.push(
      'POINTS_USED',
      allocations.reduce((s, a) => s + a.amount, 0),
      at,
      { holdId, useId, allocations, orderId: `o-${holdId}` },
    );
    return this;
  }

  /** A hold's points given back to the lots (a release, a lapse, the rest of a capture). */
  release(holdId: string, allocations: Allocation[], at: number): this {
    this.push(
      'POINTS_HOLD_RELEASED',
      allocations.reduce((s, a) => s + a.amount, 0),
      at,
      { holdId, allocations, orderId: `o-${holdId}` },
    );
    return this;
  }

  use(useId: string, allocations: Allocation[], at: number): this {
    this.push(
      'POINTS_USED',
      allocations.reduce((s, a) => s + a.amount, 0),
      at,
      { useId, allocations, orderId: `o-${useId}` },
    );
    return this;
  }

  cancel(useId: string, allocations: Allocation[], at: number): this {
    this.push(
      'POINTS_USE_CANCELED',
      allocations.reduce((s, a) => s + a.amount, 0),
      at,
      {
        useId,
        allocations,
        cancellationId: `c-${useId}-${this.events.length + 1}`,
      },
    );
    return this;
  }

  expire(grantId: string, amount: number, at: number, expiresAt: number): this {
    this.push('POINTS_EXPIRED', amount, at, { grantId, expiresAt });
    return this;
  }

  /** All of what remains of the lot, or part of it; from an active or a pending lot. */
  revoke(grantId: string, amount: number, at: number): this {
    this.push('POINTS_REVOKED', amount, at, { grantId, reason: 'test revoke' });
    return this;
  }

  /** What the user has after the last event: balance (spendable), held, pending. */
  get totals(): { balance: number; held: number; pending: number } {
    return { balance: this.balance, held: this.held, pending: this.pending };
  }
}

/** A user id no other test run uses. */
export function uniqueUser(prefix = 'cht'): string {
  return `${prefix}-${randomUUID().slice(0, 13)}`;
}
