/**
 * decide(command, wallet, now, newId) -> events: the ledger's rules as a pure function.
 * One file per command (decide-*.ts); this one runs the lazy steps every command starts
 * with (lazy-steps.ts), then dispatches. The dispatch table names every kind of
 * command: a new kind that has no decision does not compile.
 */
import { decideActivate } from './decide-activate.ts';
import { decideCancelUse } from './decide-cancel-use.ts';
import { decideCapture } from './decide-capture.ts';
import { decideGrant } from './decide-grant.ts';
import { decideHold } from './decide-hold.ts';
import { decideRelease } from './decide-release.ts';
import { decideRevoke } from './decide-revoke.ts';
import { decideUse } from './decide-use.ts';
import { Events, type Decision } from './decision.ts';
import { runLazySteps } from './lazy-steps.ts';
import type { Command, PointEvent, Wallet } from './types.ts';

const DECISIONS: { [K in Command['kind']]: Decision<K> } = {
  grant: decideGrant,
  use: decideUse,
  cancelUse: decideCancelUse,
  revoke: decideRevoke,
  activate: decideActivate,
  hold: decideHold,
  capture: decideCapture,
  release: decideRelease,
  // Only the lazy steps, which every command does first: what the maintenance run runs per user.
  expire: () => undefined,
};

/**
 * The events a command produces, given what is known of the user at `now`; throws a
 * DomainError when the command is refused (then nothing at all is to be written, not
 * even the lazy steps).
 *
 * Every command first activates the pending lots that have come due, releases the
 * holds that have lapsed and expires the lots that have lapsed, so that no command
 * ever spends or counts points that time has moved.
 */
export function decide(command: Command, wallet: Wallet, now: number, newId: () => string): PointEvent[] {
  if (command.userId !== wallet.userId) {
    throw new Error(`command for ${command.userId} decided on the wallet of ${wallet.userId}`);
  }
  const ev = new Events(wallet, now, newId);
  runLazySteps(ev, now);
  (DECISIONS[command.kind] as Decision<Command['kind']>)(command as never, ev, now);
  return ev.list;
}
