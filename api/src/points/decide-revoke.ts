/**
 * A revocation: what remains of one grant is taken back, or only `amount` of it. A
 * pending grant may be revoked too (its points leave `pending`). A revocation that
 * leaves the lot with nothing closes it (Lot.revoked); a partial one leaves it open.
 */
import { DomainError } from './errors.ts';
import { checkAmount, type Decision } from './decision.ts';

export const decideRevoke: Decision<'revoke'> = (command, ev) => {
  const lot = ev.state.lots.find((l) => l.grantId === command.grantId);
  if (!lot) throw new DomainError('NOT_FOUND', `grant ${command.grantId} does not exist`, { grantId: command.grantId });
  const asked = command.amount ?? null;
  if (asked !== null) checkAmount(asked);
  if (lot.remaining === 0) {
    throw new DomainError('ALREADY_REVOKED', `grant ${lot.grantId} has nothing left to revoke`, {
      grantId: lot.grantId,
      revoked: lot.revoked,
    });
  }
  if (asked !== null && asked > lot.remaining) {
    throw new DomainError('REVOKE_EXCEEDS_REMAINING', `grant ${lot.grantId} has ${lot.remaining} points left, ${asked} were asked`, {
      grantId: lot.grantId,
      requested: asked,
      remaining: lot.remaining,
    });
  }
  ev.emit({ type: 'POINTS_REVOKED', amount: asked ?? lot.remaining, grantId: lot.grantId, reason: command.reason });
};
