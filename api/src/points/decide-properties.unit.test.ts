import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { decide } from './decide.ts';
import { DomainError, type DomainErrorCode } from './errors.ts';
import { evolve } from './evolve.ts';
import { emptyWallet, type Command, type EventType, type PointEvent, type Wallet } from './types.ts';

/**
 * Random command sequences for one user, decided and folded step by step, with the
 * DESIGN.md invariants checked after every step. A small oracle predicts, from the
 * wallet before each command, whether the command is accepted or which refusal it gets.
 */

const USER = 'user-1';
const T0 = Date.UTC(2025, 0, 1);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type UseSize = { kind: 'abs'; n: number } | { kind: 'frac'; permille: number };
type CancelSize =
  | { mode: 'full' }
  | { mode: 'part'; permille: number }
  | { mode: 'over'; extra: number }
  | { mode: 'zero' };
type Target = { kind: 'known'; index: number } | { kind: 'unknown' };
type Op =
  | { t: 'grant'; amount: number; validFor: number }
  | { t: 'use'; size: UseSize }
  | { t: 'cancel'; target: Target; size: CancelSize }
  | { t: 'revoke'; target: Target }
  | { t: 'expire' };
interface Step {
  dt: number;
  op: Op;
}

const dtArb = fc.oneof(
  { arbitrary: fc.constant(0), weight: 3 },
  { arbitrary: fc.integer({ min: 1, max: HOUR }), weight: 3 },
  { arbitrary: fc.integer({ min: 1, max: 3 * DAY }), weight: 4 },
);

const targetArb: fc.Arbitrary<Target> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('known' as const), index: fc.nat({ max: 1000 }) }), weight: 9 },
  { arbitrary: fc.constant({ kind: 'unknown' as const }), weight: 1 },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('grant' as const),
      amount: fc.integer({ min: 1, max: 10_000 }),
      validFor: fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: MINUTE }), weight: 2 },
        { arbitrary: fc.integer({ min: 1, max: 10 * DAY }), weight: 6 },
        // Equal validities granted at the same `now` give equal expiries (grantSeq breaks the tie).
        { arbitrary: fc.constantFrom(HOUR, DAY, 2 * DAY), weight: 2 },
        // Already lapsed or lapsing right now: refused.
        { arbitrary: fc.integer({ min: -MINUTE, max: 0 }), weight: 1 },
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('use' as const),
      size: fc.oneof(
        { arbitrary: fc.record({ kind: fc.constant('abs' as const), n: fc.integer({ min: 1, max: 20_000 }) }), weight: 1 },
        { arbitrary: fc.record({ kind: fc.constant('frac' as const), permille: fc.integer({ min: 1, max: 1000 }) }), weight: 2 },
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('cancel' as const),
      target: targetArb,
      size: fc.oneof(
        { arbitrary: fc.constant({ mode: 'full' as const }), weight: 3 },
        { arbitrary: fc.record({ mode: fc.constant('part' as const), permille: fc.integer({ min: 1, max: 1000 }) }), weight: 4 },
        { arbitrary: fc.record({ mode: fc.constant('over' as const), extra: fc.integer({ min: 1, max: 500 }) }), weight: 1 },
        { arbitrary: fc.constant({ mode: 'zero' as const }), weight: 1 },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('revoke' as const), target: targetArb }) },
  { weight: 1, arbitrary: fc.constant({ t: 'expire' as const }) },
);

const stepsArb = fc.array(fc.record({ dt: dtArb, op: opArb }), { minLength: 1, maxLength: 40, size: 'max' });

type Expected = { ok: true } | { ok: false; code: DomainErrorCode };

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** How often the interesting paths were taken over all runs (checked after fc.assert). */
const seen = {
  accepted: 0,
  refused: 0,
  uses: 0,
  partialCancels: 0,
  lazyExpiries: 0,
  expiredAfterCancel: 0,
  revokedAfterCancel: 0,
  revocations: 0,
};

function pick<T>(xs: readonly T[], target: Target): T | undefined {
  return target.kind === 'known' && xs.length > 0 ? xs[target.index % xs.length] : undefined;
}

function runScenario(steps: readonly Step[]): void {
  let wallet: Wallet = emptyWallet(USER);
  const events: PointEvent[] = [];
  let now = T0;
  let eventCounter = 0;
  const newId = (): string => `evt-${++eventCounter}`;
  let commandCounter = 0;
  /** Every grant and use id ever sent, refused ones included (those stay unknown). */
  const grantIds: string[] = [];
  const useIds: string[] = [];
  /** Test-side tally of accepted uses: amount taken and amount cancelled so far. */
  const useTally = new Map<string, { amount: number; canceled: number }>();

  for (const step of steps) {
    now += step.dt;
    const op = step.op;
    const usable = sum(wallet.lots.filter((l) => l.expiresAt > now).map((l) => l.remaining));
    const lapsedBefore = wallet.lots.filter((l) => l.remaining > 0 && l.expiresAt <= now);

    let command: Command;
    let expected: Expected;
    switch (op.t) {
      case 'grant': {
        const grantId = `grant-${++commandCounter}`;
        grantIds.push(grantId);
        command = { kind: 'grant', userId: USER, grantId, amount: op.amount, expiresAt: now + op.validFor, reason: 'test', source: null };
        expected = op.validFor > 0 ? { ok: true } : { ok: false, code: 'VALIDATION_FAILED' };
        break;
      }
      case 'use': {
        const useId = `use-${++commandCounter}`;
        useIds.push(useId);
        const amount = op.size.kind === 'abs' ? op.size.n : Math.max(1, Math.floor((usable * op.size.permille) / 1000));
        command = { kind: 'use', userId: USER, useId, amount, orderId: null, reason: null };
        expected = amount <= usable ? { ok: true } : { ok: false, code: 'INSUFFICIENT_POINTS' };
        break;
      }
      case 'cancel': {
        const useId = pick(useIds, op.target) ?? 'use-unknown';
        const tally = useTally.get(useId);
        const cancellable = tally ? tally.amount - tally.canceled : 0;
        let amount: number | null;
        switch (op.size.mode) {
          case 'full': amount = null; break;
          case 'part': amount = Math.max(1, Math.floor((cancellable * op.size.permille) / 1000)); break;
          case 'over': amount = cancellable + op.size.extra; break;
          case 'zero': amount = 0; break;
        }
        command = { kind: 'cancelUse', userId: USER, useId, cancellationId: `cancel-${++commandCounter}`, amount, reason: null };
        if (!tally) expected = { ok: false, code: 'NOT_FOUND' };
        else if (amount === 0) expected = { ok: false, code: 'VALIDATION_FAILED' };
        else if ((amount ?? cancellable) > cancellable || cancellable === 0) expected = { ok: false, code: 'CANCEL_EXCEEDS_USE' };
        else expected = { ok: true };
        break;
      }
      case 'revoke': {
        const grantId = pick(grantIds, op.target) ?? 'grant-unknown';
        const lot = wallet.lots.find((l) => l.grantId === grantId);
        command = { kind: 'revoke', userId: USER, grantId, reason: 'test' };
        if (!lot) expected = { ok: false, code: 'NOT_FOUND' };
        // A lapsed lot is expired first, so nothing is left to revoke.
        else if (lot.expiresAt <= now || lot.remaining === 0) expected = { ok: false, code: 'ALREADY_REVOKED' };
        else expected = { ok: true };
        break;
      }
      case 'expire':
        command = { kind: 'expire', userId: USER };
        expected = { ok: true };
        break;
    }

    const snapshot = structuredClone(wallet);
    let emitted: PointEvent[] | undefined;
    let error: unknown;
    try {
      emitted = decide(command, wallet, now, newId);
    } catch (e) {
      error = e;
    }
    // decide is pure: the wallet it was given is untouched, accepted or refused.
    expect(wallet).toEqual(snapshot);

    if (emitted === undefined) {
      // Any other error than a DomainError is a defect of its own.
      if (!(error instanceof DomainError)) throw error;
      expect({ command, code: error.code }).toEqual({ command, code: expected.ok ? '(accepted)' : expected.code });
      seen.refused++;
      // Refusal writes nothing: the wallet stays what it was.
      continue;
    }
    expect({ command, accepted: true }).toEqual({ command, accepted: expected.ok });
    seen.accepted++;

    // Fold, checking seq and balanceAfter event by event.
    for (const e of emitted) {
      expect(e.seq).toBe(wallet.seq + 1);
      expect(e.userId).toBe(USER);
      expect(e.occurredAt).toBe(now);
      expect(e.amount).toBeGreaterThan(0);
      wallet = evolve(wallet, e);
      expect(e.balanceAfter).toBe(wallet.balance);
      expect(wallet.balance).toBeGreaterThanOrEqual(0);
      events.push(e);
    }

    // Lazy expiry first: one POINTS_EXPIRED per lapsed lot with points, before anything else.
    const lazy = emitted.slice(0, lapsedBefore.length);
    expect(lazy.map((e) => [e.type, e.grantId, e.amount])).toEqual(
      expect.arrayContaining(lapsedBefore.map((l) => ['POINTS_EXPIRED', l.grantId, l.remaining])),
    );
    expect(lazy).toHaveLength(lapsedBefore.length);
    seen.lazyExpiries += lazy.length;
    const own = emitted.slice(lapsedBefore.length);

    // What the command itself emitted.
    switch (command.kind) {
      case 'grant':
        expect(own.map((e) => e.type)).toEqual(['POINTS_GRANTED']);
        expect(own[0]).toMatchObject({ amount: command.amount, grantId: command.grantId, expiresAt: command.expiresAt });
        break;
      case 'use':
        expect(own.map((e) => e.type)).toEqual(['POINTS_USED']);
        expect(own[0]).toMatchObject({ amount: command.amount, useId: command.useId });
        useTally.set(command.useId, { amount: command.amount, canceled: 0 });
        seen.uses++;
        break;
      case 'cancelUse': {
        const [canceled, ...after] = own;
        expect(canceled?.type).toBe('POINTS_USE_CANCELED');
        const tally = useTally.get(command.useId)!;
        expect(canceled!.amount).toBe(command.amount ?? tally.amount - tally.canceled);
        if (command.amount !== null && command.amount < tally.amount - tally.canceled) seen.partialCancels++;
        tally.canceled += canceled!.amount;
        // Shares given back to revoked or lapsed lots leave them again at once.
        for (const e of after) {
          expect(['POINTS_EXPIRED', 'POINTS_REVOKED']).toContain(e.type);
          const share = canceled!.allocations.find((a) => a.grantId === e.grantId);
          expect(share?.amount).toBe(e.amount);
          if (e.type === 'POINTS_EXPIRED') seen.expiredAfterCancel++;
          else seen.revokedAfterCancel++;
        }
        break;
      }
      case 'revoke': {
        const lot = snapshot.lots.find((l) => l.grantId === command.grantId)!;
        expect(own.map((e) => [e.type, e.grantId, e.amount])).toEqual([['POINTS_REVOKED', command.grantId, lot.remaining]]);
        seen.revocations++;
        break;
      }
      case 'expire':
        expect(own).toEqual([]);
        break;
    }

    // Per-event rules of this decision.
    const lotAtDecision = new Map(snapshot.lots.map((l) => [l.grantId, l]));
    for (const e of emitted) {
      if (e.type === 'POINTS_USED') {
        expect(sum(e.allocations.map((a) => a.amount))).toBe(e.amount);
        for (const a of e.allocations) {
          expect(a.amount).toBeGreaterThan(0);
          // Lapsed lots are never spent.
          expect(lotAtDecision.get(a.grantId)!.expiresAt).toBeGreaterThan(now);
        }
      } else if (e.type === 'POINTS_USE_CANCELED') {
        expect(sum(e.allocations.map((a) => a.amount))).toBe(e.amount);
        for (const a of e.allocations) expect(a.amount).toBeGreaterThan(0);
      } else {
        expect(e.allocations).toEqual([]);
      }
    }

    // After any accepted command, no lapsed lot still holds points.
    expect(wallet.lots.filter((l) => l.remaining > 0 && l.expiresAt <= now)).toEqual([]);

    // Invariant 1: balance = Σ remaining = balanceAfter of the last event.
    expect(wallet.balance).toBe(sum(wallet.lots.map((l) => l.remaining)));
    if (events.length > 0) expect(wallet.balance).toBe(events[events.length - 1]!.balanceAfter);
    expect(wallet.balance).toBeGreaterThanOrEqual(0);

    // Invariant 2: Σ granted − Σ used + Σ cancelled − Σ expired − Σ revoked = balance.
    const total = (type: EventType): number => sum(events.filter((e) => e.type === type).map((e) => e.amount));
    expect(
      total('POINTS_GRANTED') - total('POINTS_USED') + total('POINTS_USE_CANCELED') - total('POINTS_EXPIRED') - total('POINTS_REVOKED'),
    ).toBe(wallet.balance);

    // seq 1, 2, 3, ... without gaps; event ids unique.
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(wallet.seq).toBe(events.length);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);

    // Lots: 0 <= remaining <= amount; a revoked lot holds nothing.
    for (const l of wallet.lots) {
      expect(l.remaining).toBeGreaterThanOrEqual(0);
      expect(l.remaining).toBeLessThanOrEqual(l.amount);
      if (l.revoked) expect(l.remaining).toBe(0);
    }
    // Uses: never more cancelled than taken, per use and per allocation.
    for (const u of wallet.uses) {
      expect(u.canceled).toBeLessThanOrEqual(u.amount);
      expect(u.canceled).toBe(useTally.get(u.useId)!.canceled);
      expect(sum(u.allocations.map((a) => a.restored))).toBe(u.canceled);
      for (const a of u.allocations) expect(a.restored).toBeLessThanOrEqual(a.amount);
    }
  }

  // Replaying the whole log from scratch gives the same wallet.
  expect(events.reduce(evolve, emptyWallet(USER))).toEqual(wallet);
}

describe('decide over random command sequences', () => {
  it('keeps every invariant after every step, and refusals write nothing', () => {
    fc.assert(fc.property(stepsArb, (steps) => runScenario(steps)), { numRuns: 300 });

    // The generator really reached the paths the invariants are about.
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.uses).toBeGreaterThan(0);
    expect(seen.partialCancels).toBeGreaterThan(0);
    expect(seen.lazyExpiries).toBeGreaterThan(0);
    expect(seen.expiredAfterCancel).toBeGreaterThan(0);
    expect(seen.revokedAfterCancel).toBeGreaterThan(0);
    expect(seen.revocations).toBeGreaterThan(0);
  });
});
