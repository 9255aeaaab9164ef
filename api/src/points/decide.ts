/**
 * decide(command, wallet, now, newId) -> events: the ledger's rules as a pure function.
 * One file per command (decide-*.ts); this one runs the lazy steps every command starts
 * with, then dispatches. The dispatch table names every kind of command: a new kind
 * that has no decision does not compile.
 */
import { decideCancelUse } from './decide-cancel-use.ts';
import { decideGrant } from './decide-grant.ts';
import { decideRevoke } from './decide-revoke.ts';
import { decideUse } from './decide-use.ts';
import { Events, type Decision } from './decision.ts';
import { lapsedLots } from './expire-lapsed.ts';
import type { Command, PointEvent, Wallet } from './types.ts';

const DECISIONS: { [K in Command['kind']]: Decision<K> } = {
  grant: decideGrant,
  use: decideUse,
  cancelUse: decideCancelUse,
  revoke: decideRevoke,
  // Only the expiry of lapsed lots, which every command does first: what the sweep runs per user.
  expire: () => undefined,
};

/**
 * The events a command produces, given what is known of the user at `now`; throws a
 * DomainError when the command is refused (then nothing at all is to be written).
 *
 * Every command first expires the user's lapsed lots (one POINTS_EXPIRED each), so
 * that no command ever spends or counts points that have lapsed.
 */
export function decide(command: Command, wallet: Wallet, now: number, newId: () => string): PointEvent[] {
  if (command.userId !== wallet.userId) {
    throw new Error(`command for ${command.userId} decided on the wallet of ${wallet.userId}`);
  }
  const ev = new Events(wallet, now, newId);
  for (const lot of lapsedLots(ev.state.lots, now)) {
    ev.emit({ type: 'POINTS_EXPIRED', amount: lot.remaining, grantId: lot.grantId, expiresAt: lot.expiresAt });
  }
  (DECISIONS[command.kind] as Decision<Command['kind']>)(command as never, ev, now);
  return ev.list;
}
