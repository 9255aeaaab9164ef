/**
 * Test support for the domain's unit tests: one user's ledger that decides commands,
 * folds what they emit, and checks along the way what every decision must keep.
 */
import { expect } from 'vitest';
import { decide } from './decide.ts';
import { DomainError } from './errors.ts';
import { evolve } from './evolve.ts';
import { emptyWallet, type Command, type HoldRecord, type Lot, type PointEvent, type Wallet } from './types.ts';

export function testLedger(userId: string) {
  let wallet: Wallet = emptyWallet(userId);
  const log: PointEvent[] = [];
  let n = 0;
  const newId = (): string => `evt-${++n}`;
  return {
    get wallet(): Wallet {
      return wallet;
    },
    log,
    /** Decides and applies a command; every event's balanceAfter, heldAfter and pendingAfter are the wallet's it leads to. */
    run(command: Command, now: number): PointEvent[] {
      const out = decide(command, wallet, now, newId);
      for (const e of out) {
        wallet = evolve(wallet, e);
        expect([e.balanceAfter, e.heldAfter, e.pendingAfter]).toEqual([wallet.balance, wallet.held, wallet.pending]);
      }
      log.push(...out);
      return out;
    },
    /** Decides a command that must be refused; checks that the wallet is untouched. */
    refused(command: Command, now: number): DomainError {
      const before = structuredClone(wallet);
      try {
        decide(command, wallet, now, newId);
      } catch (e) {
        expect(e).toBeInstanceOf(DomainError);
        expect(wallet).toEqual(before);
        return e as DomainError;
      }
      throw new Error(`expected ${command.kind} to be refused`);
    },
    lot(grantId: string): Lot {
      const l = wallet.lots.find((x) => x.grantId === grantId);
      if (!l) throw new Error(`no lot ${grantId}`);
      return l;
    },
    hold(holdId: string): HoldRecord {
      const h = wallet.holds.find((x) => x.holdId === holdId);
      if (!h) throw new Error(`no hold ${holdId}`);
      return h;
    },
    remaining(grantId: string): number | undefined {
      return wallet.lots.find((l) => l.grantId === grantId)?.remaining;
    },
  };
}
