/**
 * A grant: a new lot of `amount` points valid until `expiresAt`. With `availableAt` it
 * is pending until then: its points are in `pending`, not spendable, and do not expire.
 */
import { DomainError } from './errors.ts';
import { checkAmount, type Decision } from './decision.ts';
import { MAX_VALIDITY_MS } from './types.ts';

const iso = (t: number) => new Date(t).toISOString();

export const decideGrant: Decision<'grant'> = (command, ev, now) => {
  checkAmount(command.amount);
  const { expiresAt } = command;
  const availableAt = command.availableAt ?? null;
  if (!Number.isSafeInteger(expiresAt)) {
    throw new DomainError('VALIDATION_FAILED', 'expiresAt must be a valid time', { field: 'expiresAt' });
  }
  if (expiresAt <= now) {
    throw new DomainError('VALIDATION_FAILED', 'expiresAt must be in the future', { field: 'expiresAt', value: iso(expiresAt) });
  }
  if (availableAt !== null) {
    if (!Number.isSafeInteger(availableAt)) {
      throw new DomainError('VALIDATION_FAILED', 'availableAt must be a valid time', { field: 'availableAt' });
    }
    // Pending for at most as long as a grant may be valid: every time the ledger keeps stays within its range.
    if (availableAt <= now || availableAt >= expiresAt || availableAt > now + MAX_VALIDITY_MS) {
      throw new DomainError('VALIDATION_FAILED', 'availableAt must be in the future, within 100 years, and before expiresAt', {
        field: 'availableAt',
        value: iso(availableAt),
      });
    }
  }
  // Valid for at most 100 years from when the points become usable (validDays counts from availableAt).
  if (expiresAt > (availableAt ?? now) + MAX_VALIDITY_MS) {
    throw new DomainError('VALIDATION_FAILED', 'expiresAt must be within 100 years of when the points become usable', {
      field: 'expiresAt',
      value: iso(expiresAt),
    });
  }
  // Held and pending points may all come into the balance (a release, an activation).
  if (ev.state.balance + ev.state.held + ev.state.pending + command.amount > Number.MAX_SAFE_INTEGER) {
    throw new DomainError('VALIDATION_FAILED', 'the balance would exceed the largest amount the ledger keeps', {
      field: 'amount',
    });
  }
  if (ev.state.lots.some((l) => l.grantId === command.grantId)) {
    throw new Error(`grant id ${command.grantId} is taken`);
  }
  ev.emit({
    type: availableAt === null ? 'POINTS_GRANTED' : 'POINTS_GRANT_PENDING',
    amount: command.amount,
    grantId: command.grantId,
    expiresAt,
    availableAt,
    reason: command.reason,
    source: command.source,
    orderId: command.orderId ?? null,
  });
};
