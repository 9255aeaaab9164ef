/** A revocation: what remains of one grant is taken back. */
import { DomainError } from './errors.ts';
import type { Decision } from './decision.ts';

export const decideRevoke: Decision<'revoke'> = (command, ev) => {
  const lot = ev.state.lots.find((l) => l.grantId === command.grantId);
  if (!lot) throw new DomainError('NOT_FOUND', `grant ${command.grantId} does not exist`, { grantId: command.grantId });
  if (lot.remaining === 0) {
    throw new DomainError('ALREADY_REVOKED', `grant ${lot.grantId} has nothing left to revoke`, {
      grantId: lot.grantId,
      revoked: lot.revoked,
    });
  }
  ev.emit({ type: 'POINTS_REVOKED', amount: lot.remaining, grantId: lot.grantId, reason: command.reason });
};
