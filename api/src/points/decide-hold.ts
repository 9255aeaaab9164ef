/**
 * A hold: points reserved at checkout, taken from the lots exactly as a use would take
 * them, kept aside (out of `balance`, in `held`) until captured, released or lapsed.
 */
import { DomainError } from './errors.ts';
import { allocateSpendable, checkAmount, type Decision } from './decision.ts';
import { HOLD_TTL_SECONDS } from './types.ts';

export const decideHold: Decision<'hold'> = (command, ev, now) => {
  checkAmount(command.amount);
  const ttl = command.ttlSeconds;
  if (!Number.isInteger(ttl) || ttl < HOLD_TTL_SECONDS.min || ttl > HOLD_TTL_SECONDS.max) {
    throw new DomainError('VALIDATION_FAILED', `ttlSeconds must be an integer from ${HOLD_TTL_SECONDS.min} to ${HOLD_TTL_SECONDS.max}`, {
      field: 'ttlSeconds',
      value: ttl,
    });
  }
  if (ev.state.holds.some((h) => h.holdId === command.holdId)) {
    throw new Error(`hold id ${command.holdId} is taken`);
  }
  ev.emit({
    type: 'POINTS_HELD',
    amount: command.amount,
    holdId: command.holdId,
    allocations: allocateSpendable(ev.state, command.amount, now),
    expiresAt: now + ttl * 1000,
    orderId: command.orderId,
    reason: command.reason,
  });
};
