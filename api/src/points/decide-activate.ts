/** An activation on request: a pending grant becomes usable now (e.g. the purchase was confirmed early). */
import { DomainError } from './errors.ts';
import type { Decision } from './decision.ts';

export const decideActivate: Decision<'activate'> = (command, ev) => {
  const lot = ev.state.lots.find((l) => l.grantId === command.grantId);
  if (!lot) throw new DomainError('NOT_FOUND', `grant ${command.grantId} does not exist`, { grantId: command.grantId });
  // It came due and the lazy step of this very command activated it: what was asked is
  // done, and that activation is the answer. (Refusing would write nothing, and the grant
  // would look pending until the maintenance run.)
  if (ev.list.some((e) => e.type === 'POINTS_GRANT_ACTIVATED' && e.grantId === lot.grantId)) return;
  // Active already, or a pending grant revoked to nothing (closed: there is nothing to activate).
  if (!lot.pending || lot.remaining === 0) {
    throw new DomainError('NOT_PENDING', `grant ${lot.grantId} is not pending`, { grantId: lot.grantId });
  }
  ev.emit({ type: 'POINTS_GRANT_ACTIVATED', amount: lot.remaining, grantId: lot.grantId, reason: command.reason });
};
