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
    out.push(event(userId, seq, 'POINTS_GRANTED', 10, {
      grantId: `${userId}-g${seq}`, expiresAt: Date.UTC(2030, 0, 1), balanceAfter: 10 * seq,
    }));
  }
  return out;
}

/**
 * Builds one user's ledger the way the API would, keeping balanceAfter and seq right:
 * each call appends an event at `at` (epoch ms).
 */
export class LedgerBuilder {
  readonly events: PointEvent[] = [];
  private balance = 0;
  constructor(readonly userId: string) {}

  private push(type: EventType, amount: number, at: number, more: Partial<PointEvent>): PointEvent {
    const sign = type === 'POINTS_GRANTED' || type === 'POINTS_USE_CANCELED' ? 1 : -1;
    this.balance += sign * amount;
    const e = event(this.userId, this.events.length + 1, type, amount, { occurredAt: at, balanceAfter: this.balance, ...more });
    this.events.push(e);
    return e;
  }

  grant(grantId: string, amount: number, at: number, expiresAt: number, source: string | null = null): this {
    this.push('POINTS_GRANTED', amount, at, { grantId, expiresAt, source, reason: 'test grant' });
    return this;
  }

  use(useId: string, allocations: Allocation[], at: number): this {
    this.push('POINTS_USED', allocations.reduce((s, a) => s + a.amount, 0), at, { useId, allocations, orderId: `o-${useId}` });
    return this;
  }

  cancel(useId: string, allocations: Allocation[], at: number): this {
    this.push('POINTS_USE_CANCELED', allocations.reduce((s, a) => s + a.amount, 0), at, {
      useId, allocations, cancellationId: `c-${useId}-${this.events.length + 1}`,
    });
    return this;
  }

  expire(grantId: string, amount: number, at: number, expiresAt: number): this {
    this.push('POINTS_EXPIRED', amount, at, { grantId, expiresAt });
    return this;
  }

  revoke(grantId: string, amount: number, at: number): this {
    this.push('POINTS_REVOKED', amount, at, { grantId, reason: 'test revoke' });
    return this;
  }
}

/** A user id no other test run uses. */
export function uniqueUser(prefix = 'cht'): string {
  return `${prefix}-${randomUUID().slice(0, 13)}`;
}
