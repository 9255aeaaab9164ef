/** A use: points taken from the unexpired lots, earliest expiry first (allocate-fifo.ts). */
import { allocateSpendable, checkAmount, type Decision } from './decision.ts';

export const decideUse: Decision<'use'> = (command, ev, now) => {
  checkAmount(command.amount);
  ev.emit({
    type: 'POINTS_USED',
    amount: command.amount,
    useId: command.useId,
    allocations: allocateSpendable(ev.state, command.amount, now),
    orderId: command.orderId,
    reason: command.reason,
  });
};
