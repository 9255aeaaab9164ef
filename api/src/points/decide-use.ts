/** A use: points taken from the unexpired lots, earliest expiry first (allocate-fifo.ts). */
import { allocateFifo } from './allocate-fifo.ts';
import { DomainError } from './errors.ts';
import { checkAmount, type Decision } from './decision.ts';

export const decideUse: Decision<'use'> = (command, ev, now) => {
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
};
