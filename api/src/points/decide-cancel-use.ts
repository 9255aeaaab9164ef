/**
 * A use cancellation, full or partial: the points go back to the lots they came from,
 * latest-expiring first (restore-latest-first.ts); a share given back to a revoked or
 * lapsed lot leaves it again at once.
 */
import { DomainError } from './errors.ts';
import { checkAmount, type Decision } from './decision.ts';
import { restoreLatestFirst } from './restore-latest-first.ts';

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
  // A share given back to a lot that is revoked or has lapsed leaves it again at once.
  for (const r of restored) {
    const lot = ev.state.lots.find((l) => l.grantId === r.grantId)!;
    if (lot.revoked) {
      ev.emit({ type: 'POINTS_REVOKED', amount: r.amount, grantId: lot.grantId, reason: 'returned by a use cancellation to a revoked grant' });
    } else if (lot.expiresAt <= now) {
      ev.emit({ type: 'POINTS_EXPIRED', amount: r.amount, grantId: lot.grantId, expiresAt: lot.expiresAt });
    }
  }
};
