/**
 * What every command's decision shares: the events it emits, numbered and applied as it
 * goes, the amount check, and taking points from the lots (a use, a hold).
 */
import { allocateFifo } from './allocate-fifo.ts';
import { DomainError } from './errors.ts';
import { evolve } from './evolve.ts';
import { MAX_AMOUNT, pointEvent, type Allocation, type Command, type PointEvent, type Wallet } from './types.ts';

type Draft = Pick<PointEvent, 'type' | 'amount'> & Partial<Omit<PointEvent, 'type' | 'amount'>>;

/** Numbers events on from the wallet's seq and keeps the state they lead to. */
export class Events {
  readonly list: PointEvent[] = [];
  constructor(
    public state: Wallet,
    private readonly now: number,
    private readonly newId: () => string,
  ) {}

  emit(d: Draft): void {
    const event = pointEvent({
      eventId: this.newId(),
      userId: this.state.userId,
      seq: this.state.seq + 1,
      occurredAt: this.now,
      balanceAfter: 0,
      ...d,
    });
    this.state = evolve(this.state, event);
    event.balanceAfter = this.state.balance;
    event.heldAfter = this.state.held;
    event.pendingAfter = this.state.pending;
    this.list.push(event);
  }
}

export function checkAmount(amount: number, field = 'amount'): void {
  if (!Number.isSafeInteger(amount) || amount < 1 || amount > MAX_AMOUNT) {
    throw new DomainError('VALIDATION_FAILED', `${field} must be an integer from 1 to ${MAX_AMOUNT}`, {
      field,
      value: amount,
    });
  }
}

/**
 * Where `amount` points come from, as a use or a hold takes them: the spendable lots,
 * earliest expiry first (allocate-fifo.ts). More than the balance: INSUFFICIENT_POINTS.
 */
export function allocateSpendable(state: Wallet, amount: number, now: number): Allocation[] {
  const available = state.balance;
  const allocations = amount <= available ? allocateFifo(state.lots, amount, now) : undefined;
  if (!allocations) {
    throw new DomainError('INSUFFICIENT_POINTS', `the user has ${available} usable points, ${amount} were asked`, {
      requested: amount,
      available,
    });
  }
  return allocations;
}

/** The decision of one kind of command: emits its events on `ev` or throws a DomainError. */
export type Decision<K extends Command['kind']> = (command: Extract<Command, { kind: K }>, ev: Events, now: number) => void;
