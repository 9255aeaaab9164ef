import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { decide } from './decide.ts';
import { DomainError, type DomainErrorCode } from './errors.ts';
import { evolve } from './evolve.ts';
import { emptyWallet, type Command, type EventType, type Lot, type PointEvent, type Wallet } from './types.ts';

/**
 * Random command sequences for one user, decided and folded step by step, with the
 * DESIGN.md invariants (and those of its domain additions) checked after every event
 * and every step. Time moves forward, so pending grants come due, holds lapse and lots
 * expire between commands. A small oracle predicts, from the wallet before each command
 * and an independent view of what the lazy steps will do to it (lazyView), whether the
 * command is accepted or which refusal it gets.
 */

const USER = 'user-1';
const T0 = Date.UTC(2025, 0, 1);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type Size = { kind: 'abs'; n: number } | { kind: 'frac'; permille: number };
/** An optional amount: none (all), a part of what there is, more than there is, or 0. */
type PartSize = { mode: 'full' } | { mode: 'part'; permille: number } | { mode: 'over'; extra: number } | { mode: 'zero' };
type Target = { kind: 'sent' | 'accepted'; index: number } | { kind: 'latest' } | { kind: 'unknown' };
type Op =
  | { t: 'grant'; amount: number; validFor: number; pendingFor: number | null }
  | { t: 'use'; size: Size }
  | { t: 'cancel'; target: Target; size: PartSize }
  | { t: 'revoke'; target: Target; size: PartSize }
  | { t: 'activate'; target: Target }
  | { t: 'hold'; size: Size; ttlSeconds: number }
  | { t: 'capture'; target: Target; size: PartSize }
  | { t: 'release'; target: Target }
  | { t: 'expire' };
interface Step {
  /** How far time moves before the op: ms, or to the next deadline exactly (see runScenario). */
  dt: number | 'deadline';
  op: Op;
}

const dtArb: fc.Arbitrary<Step['dt']> = fc.oneof(
  { arbitrary: fc.constant(0), weight: 4 },
  { arbitrary: fc.constant('deadline' as const), weight: 2 },
  { arbitrary: fc.integer({ min: 1, max: 10 * MINUTE }), weight: 3 },
  { arbitrary: fc.integer({ min: 1, max: HOUR }), weight: 2 },
  { arbitrary: fc.integer({ min: 1, max: DAY }), weight: 2 },
  { arbitrary: fc.integer({ min: 1, max: 3 * DAY }), weight: 1 },
);

const targetArb: fc.Arbitrary<Target> = fc.oneof(
  // Any id sent: some were refused, and stay unknown.
  { arbitrary: fc.record({ kind: fc.constant('sent' as const), index: fc.nat({ max: 1000 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('accepted' as const), index: fc.nat({ max: 1000 }) }), weight: 5 },
  // The newest: a capture or release soon after its hold, before it lapses.
  { arbitrary: fc.constant({ kind: 'latest' as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'unknown' as const }), weight: 1 },
);

const sizeArb: fc.Arbitrary<Size> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('abs' as const), n: fc.integer({ min: 1, max: 20_000 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('frac' as const), permille: fc.integer({ min: 1, max: 1000 }) }), weight: 3 },
);

const partSizeArb: fc.Arbitrary<PartSize> = fc.oneof(
  { arbitrary: fc.constant({ mode: 'full' as const }), weight: 3 },
  { arbitrary: fc.record({ mode: fc.constant('part' as const), permille: fc.integer({ min: 1, max: 1000 }) }), weight: 4 },
  { arbitrary: fc.record({ mode: fc.constant('over' as const), extra: fc.integer({ min: 1, max: 500 }) }), weight: 1 },
  { arbitrary: fc.constant({ mode: 'zero' as const }), weight: 1 },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
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
      pendingFor: fc.oneof(
        { arbitrary: fc.constant(null), weight: 6 },
        { arbitrary: fc.integer({ min: 1, max: 2 * DAY }), weight: 3 },
        // Not in the future: refused (and at or after the expiry, when validFor is short).
        { arbitrary: fc.integer({ min: -MINUTE, max: 0 }), weight: 1 },
      ),
    }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('use' as const), size: sizeArb }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('cancel' as const), target: targetArb, size: partSizeArb }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('revoke' as const), target: targetArb, size: partSizeArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('activate' as const), target: targetArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('hold' as const),
      size: sizeArb,
      ttlSeconds: fc.oneof(
        { arbitrary: fc.integer({ min: 60, max: 86_400 }), weight: 6 },
        { arbitrary: fc.constantFrom(60, 900, 86_400), weight: 2 },
        // Out of range or not whole: refused.
        { arbitrary: fc.constantFrom(0, 59, 86_401, 90.5), weight: 1 },
      ),
    }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('capture' as const), target: targetArb, size: partSizeArb }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('release' as const), target: targetArb }) },
  { weight: 1, arbitrary: fc.constant({ t: 'expire' as const }) },
);

const stepsArb = fc.array(fc.record({ dt: dtArb, op: opArb }), { minLength: 1, maxLength: 60, size: 'max' });

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
  partialRevocations: 0,
  pendingRevocations: 0,
  pendingGrants: 0,
  lazyActivations: 0,
  explicitActivations: 0,
  holds: 0,
  fullCaptures: 0,
  partialCaptures: 0,
  releases: 0,
  lazyReleases: 0,
  expiredAfterRelease: 0,
  revokedAfterRelease: 0,
  canceledCaptures: 0,
  refusals: new Set<DomainErrorCode>(),
};

/** An id sent (refused ones included), one accepted, the newest accepted, or none. */
function pick(sent: readonly string[], accepted: readonly string[], target: Target): string | undefined {
  if (target.kind === 'unknown') return undefined;
  if (target.kind === 'latest') return accepted.at(-1);
  const from = target.kind === 'sent' ? sent : accepted;
  return from.length > 0 ? from[target.index % from.length] : undefined;
}

/** The holds not yet captured or released (some may have lapsed since), oldest first. */
const activeHolds = (w: Wallet) => w.holds.filter((h) => h.state === 'ACTIVE');

/** An optional amount of `of`: null for all of it. */
function partAmount(size: PartSize, of: number): number | null {
  switch (size.mode) {
    case 'full':
      return null;
    case 'part':
      return Math.max(1, Math.floor((of * size.permille) / 1000));
    case 'over':
      return of + size.extra;
    case 'zero':
      return 0;
  }
}

/**
 * What the lazy steps will make of the wallet at `now`, worked out from the rules, not
 * from the code: which lots are still pending, which have lapsed, what each lot holds
 * once the lapsed holds gave their points back (a lot closed by revocation keeps none
 * of them, a lapsed one nothing at all), and what can be spent.
 */
function lazyView(w: Wallet, now: number) {
  const stillPending = (l: Lot) => l.pending && l.availableAt! > now;
  const lapsed = (l: Lot) => !stillPending(l) && l.expiresAt <= now;
  const lapsedHolds = w.holds.filter((h) => h.state === 'ACTIVE' && h.expiresAt <= now);
  const backFromHolds = (grantId: string) => sum(lapsedHolds.flatMap((h) => h.allocations.filter((a) => a.grantId === grantId).map((a) => a.amount)));
  const remaining = (l: Lot) => (lapsed(l) ? 0 : l.remaining + (l.revoked ? 0 : backFromHolds(l.grantId)));
  const usable = sum(w.lots.filter((l) => !stillPending(l)).map(remaining));
  const holdActive = (holdId: string) => w.holds.some((h) => h.holdId === holdId && h.state === 'ACTIVE' && h.expiresAt > now);
  return { stillPending, remaining, usable, holdActive, lapsedHolds };
}

const outstanding = (h: Wallet['holds'][number]) => h.amount - h.captured - h.released;

/** Where an event counts in the totals: its type, USED split into plain uses and captures, REVOKED by the pot it took from. */
function totalKey(e: PointEvent, fromPendingLot: boolean): string {
  if (e.type === 'POINTS_USED') return e.holdId === null ? 'use' : 'capture';
  if (e.type === 'POINTS_REVOKED') return fromPendingLot ? 'revokePending' : 'revokeActive';
  return e.type;
}

/** What must hold of a wallet after every single event, within a decision too. */
function checkEventState(w: Wallet, e: PointEvent): void {
  const pots = [w.balance, w.held, w.pending];
  expect([e.balanceAfter, e.heldAfter, e.pendingAfter]).toEqual(pots);
  expect(pots.every((n) => n >= 0)).toBe(true);
  expect(pots).toEqual([
    sum(w.lots.filter((l) => !l.pending).map((l) => l.remaining)),
    // Between a partial capture and the release of its rest the hold is CAPTURED and still keeps the rest.
    sum(w.holds.map(outstanding)),
    sum(w.lots.filter((l) => l.pending).map((l) => l.remaining)),
  ]);
}

function runScenario(steps: readonly Step[]): void {
  let wallet: Wallet = emptyWallet(USER);
  const events: PointEvent[] = [];
  let now = T0;
  let eventCounter = 0;
  const idsFrom = (start: number) => {
    let n = start;
    return (): string => `evt-${++n}`;
  };
  let commandCounter = 0;
  /** Every grant, use and hold id ever sent, refused ones included (those stay unknown). */
  const grantIds: string[] = [];
  const useIds: string[] = [];
  const holdIds: string[] = [];
  /** Test-side tally of accepted uses: amount taken and amount cancelled so far. */
  const useTally = new Map<string, { amount: number; canceled: number; capture: boolean }>();
  /** Σ amount of the events so far, by totalKey. */
  const totals = new Map<string, number>();
  const eventIds = new Set<string>();

  for (const step of steps) {
    // A deadline: the next moment a hold lapses, a pending lot comes due or a lot
    // expires, to the millisecond, where `<` and `<=` part.
    const deadlines = [
      ...wallet.holds.filter((h) => h.state === 'ACTIVE').map((h) => h.expiresAt),
      ...wallet.lots.filter((l) => l.pending).map((l) => l.availableAt!),
      ...wallet.lots.map((l) => l.expiresAt),
    ].filter((t) => t > now);
    if (step.dt !== 'deadline') now += step.dt;
    else if (deadlines.length > 0) now = Math.min(...deadlines);
    const op = step.op;
    const view = lazyView(wallet, now);

    let command: Command;
    let expected: Expected;
    switch (op.t) {
      case 'grant': {
        const grantId = `grant-${++commandCounter}`;
        grantIds.push(grantId);
        const availableAt = op.pendingFor === null ? null : now + op.pendingFor;
        command = { kind: 'grant', userId: USER, grantId, amount: op.amount, expiresAt: now + op.validFor, reason: 'test', source: null, availableAt };
        if (op.validFor <= 0) expected = { ok: false, code: 'VALIDATION_FAILED' };
        else if (op.pendingFor !== null && (op.pendingFor <= 0 || op.pendingFor >= op.validFor)) expected = { ok: false, code: 'VALIDATION_FAILED' };
        else expected = { ok: true };
        break;
      }
      case 'use': {
        const useId = `use-${++commandCounter}`;
        useIds.push(useId);
        const amount = op.size.kind === 'abs' ? op.size.n : Math.max(1, Math.floor((view.usable * op.size.permille) / 1000));
        command = { kind: 'use', userId: USER, useId, amount, orderId: null, reason: null };
        expected = amount <= view.usable ? { ok: true } : { ok: false, code: 'INSUFFICIENT_POINTS' };
        break;
      }
      case 'cancel': {
        const accepted = wallet.uses.map((u) => u.useId);
        const useId = pick(useIds, accepted, op.target) ?? 'use-unknown';
        const tally = useTally.get(useId);
        const cancellable = tally ? tally.amount - tally.canceled : 0;
        const amount = partAmount(op.size, cancellable);
        command = { kind: 'cancelUse', userId: USER, useId, cancellationId: `cancel-${++commandCounter}`, amount, reason: null };
        if (!tally) expected = { ok: false, code: 'NOT_FOUND' };
        else if (amount === 0) expected = { ok: false, code: 'VALIDATION_FAILED' };
        else if ((amount ?? cancellable) > cancellable || cancellable === 0) expected = { ok: false, code: 'CANCEL_EXCEEDS_USE' };
        else expected = { ok: true };
        break;
      }
      case 'revoke': {
        // Every lot, then the lots active holds took from: 'latest' names the last lot the newest
        // hold took from (it has points left), so that the hold's release may give back to a revoked lot.
        const lotIds = [...wallet.lots.map((l) => l.grantId), ...activeHolds(wallet).flatMap((h) => h.allocations.map((x) => x.grantId))];
        const grantId = pick(grantIds, lotIds, op.target) ?? 'grant-unknown';
        const lot = wallet.lots.find((l) => l.grantId === grantId);
        // A lapsed lot is expired first, so nothing is left to revoke.
        const left = lot ? view.remaining(lot) : 0;
        const amount = partAmount(op.size, left);
        command = { kind: 'revoke', userId: USER, grantId, reason: 'test', amount };
        if (!lot) expected = { ok: false, code: 'NOT_FOUND' };
        else if (amount === 0) expected = { ok: false, code: 'VALIDATION_FAILED' };
        else if (left === 0) expected = { ok: false, code: 'ALREADY_REVOKED' };
        else if (amount !== null && amount > left) expected = { ok: false, code: 'REVOKE_EXCEEDS_REMAINING' };
        else expected = { ok: true };
        break;
      }
      case 'activate': {
        const pending = wallet.lots.filter((l) => l.pending).map((l) => l.grantId);
        const grantId = pick(grantIds, pending, op.target) ?? 'grant-unknown';
        const lot = wallet.lots.find((l) => l.grantId === grantId);
        command = { kind: 'activate', userId: USER, grantId, reason: null };
        if (!lot) expected = { ok: false, code: 'NOT_FOUND' };
        // Pending with points left, due or not (a due one the lazy step activates, and that is the answer).
        else if (lot.pending && lot.remaining > 0) expected = { ok: true };
        else expected = { ok: false, code: 'NOT_PENDING' };
        break;
      }
      case 'hold': {
        const holdId = `hold-${++commandCounter}`;
        holdIds.push(holdId);
        const amount = op.size.kind === 'abs' ? op.size.n : Math.max(1, Math.floor((view.usable * op.size.permille) / 1000));
        command = { kind: 'hold', userId: USER, holdId, amount, orderId: `order-${commandCounter}`, reason: null, ttlSeconds: op.ttlSeconds };
        if (!Number.isInteger(op.ttlSeconds) || op.ttlSeconds < 60 || op.ttlSeconds > 86_400) expected = { ok: false, code: 'VALIDATION_FAILED' };
        else if (amount > view.usable) expected = { ok: false, code: 'INSUFFICIENT_POINTS' };
        else expected = { ok: true };
        break;
      }
      case 'capture': {
        const holdId =
          pick(
            holdIds,
            activeHolds(wallet).map((h) => h.holdId),
            op.target,
          ) ?? 'hold-unknown';
        const hold = wallet.holds.find((h) => h.holdId === holdId);
        const amount = partAmount(op.size, hold?.amount ?? 0);
        command = { kind: 'capture', userId: USER, holdId, useId: `use-${++commandCounter}`, amount, reason: null };
        if (amount === 0) expected = { ok: false, code: 'VALIDATION_FAILED' };
        else if (!hold) expected = { ok: false, code: 'NOT_FOUND' };
        else if (!view.holdActive(holdId)) expected = { ok: false, code: 'HOLD_NOT_ACTIVE' };
        else if (amount !== null && amount > hold.amount) expected = { ok: false, code: 'CAPTURE_EXCEEDS_HOLD' };
        else expected = { ok: true };
        if (expected.ok) useIds.push(command.useId);
        break;
      }
      case 'release': {
        const holdId =
          pick(
            holdIds,
            activeHolds(wallet).map((h) => h.holdId),
            op.target,
          ) ?? 'hold-unknown';
        const hold = wallet.holds.find((h) => h.holdId === holdId);
        command = { kind: 'release', userId: USER, holdId, reason: null };
        if (!hold) expected = { ok: false, code: 'NOT_FOUND' };
        else if (!view.holdActive(holdId)) expected = { ok: false, code: 'HOLD_NOT_ACTIVE' };
        else expected = { ok: true };
        break;
      }
      case 'expire':
        command = { kind: 'expire', userId: USER };
        expected = { ok: true };
        break;
    }

    const snapshot = structuredClone(wallet);
    const attempt = () => {
      try {
        return { events: decide(command, wallet, now, idsFrom(eventCounter)) };
      } catch (e) {
        return { error: e };
      }
    };
    const first = attempt();
    // decide is pure: the wallet it was given is untouched, accepted or refused, and
    // the same inputs give the same events (or the same refusal).
    expect(wallet).toEqual(snapshot);
    expect(attempt()).toEqual(first);

    if (first.events === undefined) {
      const error = first.error;
      // Any other error than a DomainError is a defect of its own.
      if (!(error instanceof DomainError)) throw error;
      expect({ command, code: error.code }).toEqual({ command, code: expected.ok ? '(accepted)' : expected.code });
      seen.refused++;
      seen.refusals.add(error.code);
      // Refusal writes nothing: the wallet stays what it was.
      continue;
    }
    const emitted = first.events;
    eventCounter += emitted.length;
    expect({ command, accepted: true }).toEqual({ command, accepted: expected.ok });
    seen.accepted++;

    // Fold, checking seq and the state after each event, and what each event may take from.
    const states: Wallet[] = [];
    for (const e of emitted) {
      expect(e.seq).toBe(wallet.seq + 1);
      expect(e.userId).toBe(USER);
      expect(e.occurredAt).toBe(now);
      expect(e.amount).toBeGreaterThan(0);
      const lotBefore = (grantId: string) => wallet.lots.find((l) => l.grantId === grantId)!;
      switch (e.type) {
        case 'POINTS_USED':
        case 'POINTS_HELD':
          expect(sum(e.allocations.map((a) => a.amount))).toBe(e.amount);
          for (const a of e.allocations) expect(a.amount).toBeGreaterThan(0);
          if (e.type === 'POINTS_USED' && e.holdId !== null) {
            // A capture: never more than the hold keeps, from the lots it took from, once per hold.
            const hold = wallet.holds.find((h) => h.holdId === e.holdId)!;
            // Once per hold: only an active hold is captured, and the capture ends that.
            expect(hold.state).toBe('ACTIVE');
            expect(e.amount).toBeLessThanOrEqual(outstanding(hold));
            for (const a of e.allocations) {
              expect(a.amount).toBeLessThanOrEqual(sum(hold.allocations.filter((h) => h.grantId === a.grantId).map((h) => h.amount)));
            }
            expect(e.orderId).toBe(hold.orderId);
          } else {
            // Pending or lapsed lots are never spent or held.
            for (const a of e.allocations) {
              expect(lotBefore(a.grantId).pending).toBe(false);
              expect(lotBefore(a.grantId).expiresAt).toBeGreaterThan(now);
              expect(a.amount).toBeLessThanOrEqual(lotBefore(a.grantId).remaining);
            }
          }
          break;
        case 'POINTS_USE_CANCELED':
        case 'POINTS_HOLD_RELEASED':
          expect(sum(e.allocations.map((a) => a.amount))).toBe(e.amount);
          for (const a of e.allocations) expect(a.amount).toBeGreaterThan(0);
          break;
        case 'POINTS_EXPIRED':
          expect(lotBefore(e.grantId!).pending).toBe(false);
          expect(lotBefore(e.grantId!).expiresAt).toBeLessThanOrEqual(now);
          expect(e.allocations).toEqual([]);
          break;
        case 'POINTS_GRANT_ACTIVATED':
          expect(lotBefore(e.grantId!)).toMatchObject({ pending: true, remaining: e.amount });
          expect(e.allocations).toEqual([]);
          break;
        case 'POINTS_REVOKED':
          expect(e.allocations).toEqual([]);
          break;
        default:
          expect(e.allocations).toEqual([]);
      }
      const key = totalKey(e, e.type === 'POINTS_REVOKED' && lotBefore(e.grantId!).pending);
      totals.set(key, (totals.get(key) ?? 0) + e.amount);
      wallet = evolve(wallet, e);
      checkEventState(wallet, e);
      states.push(wallet);
      events.push(e);
      expect(eventIds.has(e.eventId)).toBe(false);
      eventIds.add(e.eventId);
    }

    // The lazy steps come first: they are what the expire command alone emits on the same wallet at the same time.
    const lazy = command.kind === 'expire' ? emitted : decide({ kind: 'expire', userId: USER }, snapshot, now, idsFrom(0));
    const shape = (e: PointEvent) => [e.type, e.grantId, e.holdId, e.amount, e.allocations];
    expect(emitted.slice(0, lazy.length).map(shape)).toEqual(lazy.map(shape));
    // Each lapsed hold released (all it kept), each due lot activated, and these only.
    const lazyReleases = lazy.filter((e) => e.type === 'POINTS_HOLD_RELEASED');
    expect(lazyReleases.map((e) => [e.holdId, e.amount])).toEqual(expect.arrayContaining(view.lapsedHolds.map((h) => [h.holdId, outstanding(h)])));
    expect(lazyReleases).toHaveLength(view.lapsedHolds.length);
    const due = snapshot.lots.filter((l) => l.pending && l.remaining > 0 && !view.stillPending(l));
    expect(lazy.filter((e) => e.type === 'POINTS_GRANT_ACTIVATED').map((e) => [e.grantId, e.amount])).toEqual(
      due.sort((a, b) => a.availableAt! - b.availableAt! || a.grantSeq - b.grantSeq).map((l) => [l.grantId, l.remaining]),
    );
    seen.lazyExpiries += lazy.filter((e) => e.type === 'POINTS_EXPIRED').length;
    seen.lazyActivations += due.length;
    seen.lazyReleases += lazyReleases.length;
    const own = emitted.slice(lazy.length);
    const afterLazy = lazy.reduce(evolve, snapshot);

    // Every give-back (a cancellation, a release) is followed at once by one event per
    // share given to a lot that cannot keep it: REVOKED when the lot was closed by
    // revocation, else EXPIRED when it has lapsed; nothing for the other shares.
    const followUps = new Map<PointEvent, PointEvent[]>();
    for (const [i, e] of emitted.entries()) {
      if (e.type !== 'POINTS_USE_CANCELED' && e.type !== 'POINTS_HOLD_RELEASED') continue;
      const lots = states[i]!.lots;
      const due = e.allocations.flatMap((a) => {
        const lot = lots.find((l) => l.grantId === a.grantId)!;
        if (lot.revoked) return [['POINTS_REVOKED', a.grantId, a.amount]];
        return lot.expiresAt <= now ? [['POINTS_EXPIRED', a.grantId, a.amount]] : [];
      });
      const after = emitted.slice(i + 1, i + 1 + due.length);
      expect(after.map((x) => [x.type, x.grantId, x.amount])).toEqual(due);
      followUps.set(e, after);
      const count = (type: EventType) => after.filter((x) => x.type === type).length;
      if (e.type === 'POINTS_USE_CANCELED') {
        seen.expiredAfterCancel += count('POINTS_EXPIRED');
        seen.revokedAfterCancel += count('POINTS_REVOKED');
      } else {
        seen.expiredAfterRelease += count('POINTS_EXPIRED');
        seen.revokedAfterRelease += count('POINTS_REVOKED');
      }
    }

    // What the command itself emitted.
    switch (command.kind) {
      case 'grant':
        if (command.availableAt === null) {
          expect(own.map((e) => e.type)).toEqual(['POINTS_GRANTED']);
        } else {
          expect(own.map((e) => e.type)).toEqual(['POINTS_GRANT_PENDING']);
          expect(own[0]!.availableAt).toBe(command.availableAt);
          seen.pendingGrants++;
        }
        expect(own[0]).toMatchObject({ amount: command.amount, grantId: command.grantId, expiresAt: command.expiresAt });
        break;
      case 'use':
        expect(own.map((e) => e.type)).toEqual(['POINTS_USED']);
        expect(own[0]).toMatchObject({ amount: command.amount, useId: command.useId, holdId: null });
        useTally.set(command.useId, { amount: command.amount, canceled: 0, capture: false });
        seen.uses++;
        break;
      case 'cancelUse': {
        const [canceled, ...after] = own;
        expect(canceled?.type).toBe('POINTS_USE_CANCELED');
        const tally = useTally.get(command.useId)!;
        expect(canceled!.amount).toBe(command.amount ?? tally.amount - tally.canceled);
        if (command.amount !== null && command.amount < tally.amount - tally.canceled) seen.partialCancels++;
        if (tally.capture) seen.canceledCaptures++;
        tally.canceled += canceled!.amount;
        expect(after).toEqual(followUps.get(canceled!));
        break;
      }
      case 'revoke': {
        const lot = afterLazy.lots.find((l) => l.grantId === command.grantId)!;
        const amount = command.amount ?? lot.remaining;
        expect(own.map((e) => [e.type, e.grantId, e.amount])).toEqual([['POINTS_REVOKED', command.grantId, amount]]);
        // Only a revocation that leaves nothing closes the lot.
        expect(wallet.lots.find((l) => l.grantId === command.grantId)!.revoked).toBe(amount === lot.remaining || lot.revoked);
        seen.revocations++;
        if (amount < lot.remaining) seen.partialRevocations++;
        if (lot.pending) seen.pendingRevocations++;
        break;
      }
      case 'activate': {
        const lot = snapshot.lots.find((l) => l.grantId === command.grantId)!;
        if (view.stillPending(lot)) {
          expect(own.map((e) => [e.type, e.grantId, e.amount])).toEqual([['POINTS_GRANT_ACTIVATED', command.grantId, lot.remaining]]);
          seen.explicitActivations++;
        } else {
          // Due: the lazy step activated it, and nothing more is emitted.
          expect(own).toEqual([]);
          expect(lazy.some((e) => e.type === 'POINTS_GRANT_ACTIVATED' && e.grantId === command.grantId)).toBe(true);
        }
        expect(wallet.lots.find((l) => l.grantId === command.grantId)!.pending).toBe(false);
        break;
      }
      case 'hold':
        expect(own.map((e) => e.type)).toEqual(['POINTS_HELD']);
        expect(own[0]).toMatchObject({ amount: command.amount, holdId: command.holdId, orderId: command.orderId, expiresAt: now + command.ttlSeconds * 1000 });
        seen.holds++;
        break;
      case 'capture': {
        const hold = afterLazy.holds.find((h) => h.holdId === command.holdId)!;
        const amount = command.amount ?? hold.amount;
        const [used, ...rest] = own;
        expect(used).toMatchObject({ type: 'POINTS_USED', amount, useId: command.useId, holdId: command.holdId, orderId: hold.orderId });
        // The captured part is the first of the hold's allocations, in their order.
        const whole = used!.allocations.slice(0, -1);
        expect(whole).toEqual(hold.allocations.slice(0, whole.length));
        expect(used!.allocations.map((a) => a.grantId)).toEqual(hold.allocations.slice(0, used!.allocations.length).map((a) => a.grantId));
        if (amount < hold.amount) {
          const [released, ...after] = rest;
          expect(released).toMatchObject({ type: 'POINTS_HOLD_RELEASED', holdId: command.holdId, amount: hold.amount - amount });
          // Captured and released part together are the hold's allocations, lot by lot.
          const byLot = (as: { grantId: string; amount: number }[]) => {
            const m = new Map<string, number>();
            for (const a of as) m.set(a.grantId, (m.get(a.grantId) ?? 0) + a.amount);
            return m;
          };
          expect(byLot([...used!.allocations, ...released!.allocations])).toEqual(byLot(hold.allocations));
          expect(after).toEqual(followUps.get(released!));
          seen.partialCaptures++;
        } else {
          expect(rest).toEqual([]);
          seen.fullCaptures++;
        }
        expect(wallet.holds.find((h) => h.holdId === command.holdId)).toMatchObject({ state: 'CAPTURED', captured: amount, useId: command.useId });
        useTally.set(command.useId, { amount, canceled: 0, capture: true });
        break;
      }
      case 'release': {
        const hold = afterLazy.holds.find((h) => h.holdId === command.holdId)!;
        const [released, ...after] = own;
        expect(released).toMatchObject({ type: 'POINTS_HOLD_RELEASED', holdId: command.holdId, amount: hold.amount, allocations: hold.allocations });
        expect(after).toEqual(followUps.get(released!));
        expect(wallet.holds.find((h) => h.holdId === command.holdId)!.state).toBe('RELEASED');
        seen.releases++;
        break;
      }
      case 'expire':
        expect(own).toEqual([]);
        break;
    }

    // After any accepted command, time has been caught up with: no lapsed active lot
    // still holds points, no pending lot with points is due, no active hold has lapsed.
    expect(wallet.lots.filter((l) => !l.pending && l.remaining > 0 && l.expiresAt <= now)).toEqual([]);
    expect(wallet.lots.filter((l) => l.pending && l.remaining > 0 && l.availableAt! <= now)).toEqual([]);
    expect(wallet.holds.filter((h) => h.state === 'ACTIVE' && h.expiresAt <= now)).toEqual([]);

    // balance = Σ remaining of the active lots and pending = Σ remaining of the pending
    // lots, each = its *After of the last event, hold after every event (checkEventState);
    // between decisions, held = Σ outstanding of the active holds.
    expect(wallet.held).toBe(sum(activeHolds(wallet).map(outstanding)));
    // Holds: an active one is whole; a captured or released one keeps nothing.
    expect(wallet.holds.filter((h) => (h.state === 'ACTIVE' ? h.captured + h.released > 0 : outstanding(h) !== 0) || h.captured > h.amount)).toEqual([]);

    // The movements (DESIGN.md invariant 2 with its additions). Per pot:
    //   balance = Σ GRANTED + Σ GRANT_ACTIVATED − Σ USED (no holdId) − Σ HELD + Σ HOLD_RELEASED
    //             + Σ USE_CANCELED − Σ EXPIRED − Σ REVOKED of active lots
    //   pending = Σ GRANT_PENDING − Σ GRANT_ACTIVATED − Σ REVOKED of pending lots
    //   held    = Σ HELD − Σ USED (with holdId: captures) − Σ HOLD_RELEASED
    // and their sum, what the events alone tell (a revocation does not say which pot it
    // took from): balance + held + pending = Σ GRANTED + Σ GRANT_PENDING − Σ USED (all)
    //             + Σ USE_CANCELED − Σ EXPIRED − Σ REVOKED (API.md, liability).
    const t = (key: string) => totals.get(key) ?? 0;
    const balance = t('POINTS_GRANTED') + t('POINTS_GRANT_ACTIVATED') - t('use') - t('POINTS_HELD') + t('POINTS_HOLD_RELEASED');
    const pending = t('POINTS_GRANT_PENDING') - t('POINTS_GRANT_ACTIVATED') - t('revokePending');
    const held = t('POINTS_HELD') - t('capture') - t('POINTS_HOLD_RELEASED');
    const all = t('POINTS_GRANTED') + t('POINTS_GRANT_PENDING') - t('use') - t('capture') + t('POINTS_USE_CANCELED') - t('POINTS_EXPIRED');
    expect([balance + t('POINTS_USE_CANCELED') - t('POINTS_EXPIRED') - t('revokeActive'), pending, held, all - t('revokeActive') - t('revokePending')]).toEqual(
      [wallet.balance, wallet.pending, wallet.held, wallet.balance + wallet.held + wallet.pending],
    );

    // seq 1, 2, 3, ... without gaps (each event's is checked as it is folded); event ids unique (likewise).
    expect(wallet.seq).toBe(events.length);

    // Lots: 0 <= remaining <= amount; a lot closed by revocation holds nothing.
    expect(wallet.lots.filter((l) => l.remaining < 0 || l.remaining > l.amount || (l.revoked && l.remaining > 0))).toEqual([]);
    // Uses: never more cancelled than taken, per use and per allocation.
    expect(
      wallet.uses.filter(
        (u) =>
          u.canceled > u.amount ||
          u.canceled !== useTally.get(u.useId)!.canceled ||
          sum(u.allocations.map((a) => a.restored)) !== u.canceled ||
          u.allocations.some((a) => a.restored > a.amount),
      ),
    ).toEqual([]);
  }

  // Replaying the whole log from scratch gives the same wallet.
  expect(events.reduce(evolve, emptyWallet(USER))).toEqual(wallet);
}

describe('decide over random command sequences', () => {
  // Some ten thousand decisions, each checked: a few seconds, more on a loaded machine.
  it('keeps every invariant after every step, and refusals write nothing', { timeout: 30_000 }, () => {
    fc.assert(
      fc.property(stepsArb, (steps) => runScenario(steps)),
      { numRuns: 400 },
    );

    // The generator really reached the paths the invariants are about.
    const { refusals, ...counts } = seen;
    for (const [path, n] of Object.entries(counts)) expect({ path, reached: n > 0 }).toEqual({ path, reached: true });
    expect([...refusals].sort()).toEqual(
      [
        'VALIDATION_FAILED',
        'NOT_FOUND',
        'INSUFFICIENT_POINTS',
        'CANCEL_EXCEEDS_USE',
        'ALREADY_REVOKED',
        'NOT_PENDING',
        'REVOKE_EXCEEDS_REMAINING',
        'HOLD_NOT_ACTIVE',
        'CAPTURE_EXCEEDS_HOLD',
      ].sort(),
    );
  });
});
