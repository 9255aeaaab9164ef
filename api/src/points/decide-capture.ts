/**
 * A capture: part or all of an active hold becomes a use (POINTS_USED carrying the
 * holdId and the hold's orderId, cancellable like any use); the rest of the hold is
 * released at once. One capture per hold: after it the hold is no longer active.
 */
import { DomainError } from './errors.ts';
import { checkAmount, type Decision } from './decision.ts';
import { activeHold, outstandingAllocations, releaseHold, splitAllocations } from './release-hold.ts';

export const decideCapture: Decision<'capture'> = (command, ev, now) => {
  if (command.amount !== null) checkAmount(command.amount);
  const active = activeHold(ev, command.holdId);
  const outstanding = active.amount - active.captured - active.released;
  const amount = command.amount ?? outstanding;
  if (amount > outstanding) {
    throw new DomainError('CAPTURE_EXCEEDS_HOLD', `hold ${active.holdId} keeps ${outstanding} points, ${amount} were asked`, {
      holdId: active.holdId,
      requested: amount,
      held: outstanding,
    });
  }
  // The captured part comes from the hold's lots in the order it took them (earliest expiry first).
  const [captured] = splitAllocations(outstandingAllocations(active), amount);
  ev.emit({
    type: 'POINTS_USED',
    amount,
    useId: command.useId,
    holdId: active.holdId,
    orderId: active.orderId,
    allocations: captured,
    reason: command.reason,
  });
  releaseHold(ev, active.holdId, now, 'the rest of a partial capture');
};
