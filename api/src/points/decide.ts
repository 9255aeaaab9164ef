import { allocateFifo } from './allocate-fifo.ts';
import { DomainError } from './errors.ts';
import { evolve } from './evolve.ts';
import { lapsedLots } from './expire-lapsed.ts';
import { restoreLatestFirst } from './restore-latest-first.ts';
import { MAX_AMOUNT, MAX_VALIDITY_MS, pointEvent, type Command, type PointEvent, type Wallet } from './types.ts';

type Draft = Pick<PointEvent, 'type' | 'amount'> & Partial<Omit<PointEvent, 'type' | 'amount'>>;

/** Numbers events on from the wallet's seq and keeps the state they lead to. */
class Events {
  readonly list: PointEvent[] = [];
  constructor(public state: Wallet, private readonly now: number, private readonly newId: () => string) {}

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
    this.list.push(event);
  }
}

function checkAmount(amount: number, field = 'amount'): void {
  if (!Number.isSafeInteger(amount) || amount < 1 || amount > MAX_AMOUNT) {
    throw new DomainError('VALIDATION_FAILED', `${field} must be an integer from 1 to ${MAX_AMOUNT}`, {
      field,
      value: amount,
    });
  }
}

/**
 * The events a command produces, given what is known of the user at `now`; throws a
 * DomainError when the command is refused (then nothing at all is to be written).
 *
 * Every command first expires the user's lapsed lots (one POINTS_EXPIRED each), so
 * that no command ever spends or counts points that have lapsed.
 */
export function decide(command: Command, wallet: Wallet, now: number, newId: () => string): PointEvent[] {
  if (command.userId !== wallet.userId) {
    throw new Error(`command for ${command.userId} decided on the wallet of ${wallet.userId}`);
  }
  const ev = new Events(wallet, now, newId);
  for (const lot of lapsedLots(ev.state.lots, now)) {
    ev.emit({ type: 'POINTS_EXPIRED', amount: lot.remaining, grantId: lot.grantId, expiresAt: lot.expiresAt });
  }

  switch (command.kind) {
    case 'grant': {
      checkAmount(command.amount);
      if (!Number.isSafeInteger(command.expiresAt)) {
        throw new DomainError('VALIDATION_FAILED', 'expiresAt must be a valid time', { field: 'expiresAt' });
      }
      if (command.expiresAt > now + MAX_VALIDITY_MS) {
        throw new DomainError('VALIDATION_FAILED', 'expiresAt must be within 100 years', {
          field: 'expiresAt',
          value: new Date(command.expiresAt).toISOString(),
        });
      }
      if (command.expiresAt <= now) {
        throw new DomainError('VALIDATION_FAILED', 'expiresAt must be in the future', {
          field: 'expiresAt',
          value: new Date(command.expiresAt).toISOString(),
        });
      }
      if (ev.state.balance + command.amount > Number.MAX_SAFE_INTEGER) {
        throw new DomainError('VALIDATION_FAILED', 'the balance would exceed the largest amount the ledger keeps', {
          field: 'amount',
        });
      }
      if (ev.state.lots.some((l) => l.grantId === command.grantId)) {
        throw new Error(`grant id ${command.grantId} is taken`);
      }
      ev.emit({
        type: 'POINTS_GRANTED',
        amount: command.amount,
        grantId: command.grantId,
        expiresAt: command.expiresAt,
        reason: command.reason,
        source: command.source,
      });
      break;
    }

    case 'use': {
      checkAmount(command.amount);
      const available = ev.state.balance;
      const allocations = command.amount <= available ? allocateFifo(ev.state.lots, command.amount, now) : undefined;
      if (!allocations) {
        throw new DomainError('INSUFFICIENT_POINTS', `the user has ${available} usable points, ${command.amount} were asked`, {
          requested: command.amount,
          available,
        });
      }
      ev.emit({
        type: 'POINTS_USED',
        amount: command.amount,
        useId: command.useId,
        allocations,
        orderId: command.orderId,
        reason: command.reason,
      });
      break;
    }

    case 'cancelUse': {
      const use = ev.state.uses.find((u) => u.useId === command.useId);
      if (!use) throw new DomainError('NOT_FOUND', `use ${command.useId} does not exist`, { useId: command.useId });
      const cancellable = use.amount - use.canceled;
      if (command.amount !== null) checkAmount(command.amount);
      const amount = command.amount ?? cancellable;
      if (amount < 1 || amount > cancellable) {
        throw new DomainError(
          'CANCEL_EXCEEDS_USE',
          cancellable === 0
            ? `use ${use.useId} is cancelled in full already`
            : `only ${cancellable} of use ${use.useId} can still be cancelled, ${amount} were asked`,
          { useId: use.useId, requested: amount, cancellable },
        );
      }
      const restored = restoreLatestFirst(use, ev.state.lots, amount);
      ev.emit({
        type: 'POINTS_USE_CANCELED',
        amount,
        useId: use.useId,
        cancellationId: command.cancellationId,
        allocations: restored,
        reason: command.reason,
      });
      // A share given back to a lot that is revoked or has lapsed leaves it again at once.
      for (const r of restored) {
        const lot = ev.state.lots.find((l) => l.grantId === r.grantId)!;
        if (lot.revoked) {
          ev.emit({ type: 'POINTS_REVOKED', amount: r.amount, grantId: lot.grantId, reason: 'returned by a use cancellation to a revoked grant' });
        } else if (lot.expiresAt <= now) {
          ev.emit({ type: 'POINTS_EXPIRED', amount: r.amount, grantId: lot.grantId, expiresAt: lot.expiresAt });
        }
      }
      break;
    }

    case 'revoke': {
      const lot = ev.state.lots.find((l) => l.grantId === command.grantId);
      if (!lot) throw new DomainError('NOT_FOUND', `grant ${command.grantId} does not exist`, { grantId: command.grantId });
      if (lot.remaining === 0) {
        throw new DomainError('ALREADY_REVOKED', `grant ${lot.grantId} has nothing left to revoke`, {
          grantId: lot.grantId,
          revoked: lot.revoked,
        });
      }
      ev.emit({ type: 'POINTS_REVOKED', amount: lot.remaining, grantId: lot.grantId, reason: command.reason });
      break;
    }

    case 'expire':
      break;
  }
  return ev.list;
}
