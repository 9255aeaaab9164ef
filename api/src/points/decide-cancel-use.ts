/**
 * A use cancellation, full or partial: the points go back to the lots they came from,
 * latest-expiring first (restore-latest-first.ts); a share given back to a lot closed
 * by revocation or lapsed leaves it again at once (returned-shares.ts).
 */
import { DomainError } from './errors.ts';
import { checkAmount, type Decision } from './decision.ts';
import { restoreLatestFirst } from './restore-latest-first.ts';
import { settleReturnedShares } from './returned-shares.ts';

export const decideCancelUse: Decision<'cancelUse'> = (command, ev, now) => {
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
  settleReturnedShares(ev, restored, now, 'a use cancellation');
};
