/** A release: all that an active hold keeps goes back to the lots it came from (release-hold.ts). */
import type { Decision } from './decision.ts';
import { activeHold, releaseHold } from './release-hold.ts';

export const decideRelease: Decision<'release'> = (command, ev, now) => {
  releaseHold(ev, activeHold(ev, command.holdId).holdId, now, command.reason);
};
