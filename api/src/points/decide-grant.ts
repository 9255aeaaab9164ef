/** A grant: a new lot of `amount` points valid until `expiresAt`. */
import { DomainError } from './errors.ts';
import { checkAmount, type Decision } from './decision.ts';
import { MAX_VALIDITY_MS } from './types.ts';

export const decideGrant: Decision<'grant'> = (command, ev, now) => {
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
};
