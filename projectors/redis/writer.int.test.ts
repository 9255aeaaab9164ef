/**
 * The Lua script against its specification (model.ts evolve), on the real Redis:
 * random realistic event streams, delivered in batches with redeliveries, must leave
 * Redis exactly as the pure model says (redisImage: every key of the user and its
 * content), and the owner and order indexes as indexEntries says.
 *
 * The streams come from a small ledger of this test's own (ledgerStream), written while
 * the domain's order lifecycle was being written, that reaches corners the domain rarely
 * does (many captures of partial holds, lapses with restored shares). Its events obey the
 * contract (schemas/point-event.ts): FIFO allocations, lazy activation, lapse and expiry, a
 * lapsed or closed lot's restored share taken again. The same checks over streams of the
 * domain's own decide() are the API's test (api/test/domain-events-redis.int.test.ts):
 * nothing outside api/ imports api/ (ADR 0009).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadConfig } from '../../common/src/config.ts';
import { createRedis, deleteMatching, scanKeys, type RedisClient } from '../../common/src/redis.ts';
import { pointEvent, type Allocation, type EventDraft, type PointEvent } from '../../schemas/point-event.ts';
import { GapError } from '../shared/gap-error.ts';
import { MODEL_KEY_PATTERN, recordKey, userKeys } from './keys.ts';
import { emptyModel, evolve, indexEntries, redisImage, type UserModel } from './model.ts';
import { DAY, expectStreamsMatchModel, expectIndexes, KINDS, modelOf, type Op, ops, readImage } from './test/writer-checks.ts';
import { RedisStore } from './writer.ts';

const cfg = loadConfig();
// These users never went through Kafka, so they must not sit in the real model, where a
// rebuild could not reproduce them. Every key of this run carries its own prefix
// (ioredis keyPrefix): database 0 is the only one on Redis Cluster, and the model's
// readers, verify and the rebuild see only keys that begin with u:{, i:{ or o:{.
// afterAll deletes exactly this run's keys, on every master.
const prefix = `test-writer-${randomUUID().slice(0, 8)}:`;
let redis: RedisClient;
beforeAll(() => {
  redis = createRedis(cfg, { keyPrefix: prefix });
});
afterAll(async () => {
  await deleteMatching(redis, '*');
  await redis.quit();
});

interface SimLot {
  grantId: string;
  remaining: number;
  expiresAt: number;
  pending: boolean;
  availableAt: number;
  revoked: boolean;
}
interface SimAlloc extends Allocation {
  restored: number;
}

/**
 * A realistic event stream for one user: a small ledger (lots earliest expiry first,
 * every command first activates due lots, releases lapsed holds and expires lapsed lots).
 * `orders` are the orderIds it may use (shared between users in the multi-user test).
 */
function ledgerStream(userId: string, ops: Op[], orders = ['ord-a', 'ord-b']): PointEvent[] {
  let now = Date.UTC(2026, 0, 1);
  let seq = 0;
  let balance = 0;
  let held = 0;
  let pending = 0;
  const out: PointEvent[] = [];
  const lots: SimLot[] = [];
  const uses: { useId: string; amount: number; canceled: number; allocs: SimAlloc[] }[] = [];
  const holds: { holdId: string; amount: number; expiresAt: number; active: boolean; allocs: Allocation[] }[] = [];
  const lot = (g: string) => lots.find((l) => l.grantId === g)!;
  const emit = (d: Omit<EventDraft, 'eventId' | 'userId' | 'seq' | 'balanceAfter' | 'occurredAt'>) =>
    out.push(pointEvent({ eventId: randomUUID(), userId, seq: ++seq, balanceAfter: balance, heldAfter: held, pendingAfter: pending, occurredAt: now, ...d }));
  const orderOf = (n: number) => (n % 3 === 0 ? orders[n % orders.length]! : null);
  /** Takes `amount` from the active lots, earliest expiry first. */
  const take = (amount: number): Allocation[] => {
    const allocs: Allocation[] = [];
    let left = amount;
    for (const l of lots.filter((x) => !x.pending && x.remaining > 0).sort((a, b) => a.expiresAt - b.expiresAt)) {
      if (left === 0) break;
      const a = Math.min(left, l.remaining);
      l.remaining -= a;
      left -= a;
      allocs.push({ grantId: l.grantId, amount: a });
    }
    return allocs;
  };
  /** After points went back to lots: a lapsed lot's share expires again at once, a revoked lot's is revoked again. */
  const takeBackShares = (allocs: Allocation[]) => {
    for (const a of allocs) {
      const l = lot(a.grantId);
      if (l.expiresAt > now && !l.revoked) continue;
      l.remaining -= a.amount;
      balance -= a.amount;
      if (l.expiresAt <= now) emit({ type: 'POINTS_EXPIRED', amount: a.amount, grantId: l.grantId, expiresAt: l.expiresAt });
      else emit({ type: 'POINTS_REVOKED', amount: a.amount, grantId: l.grantId, reason: 'revoked' });
    }
  };
  const giveBack = (allocs: Allocation[]) => {
    for (const a of allocs) lot(a.grantId).remaining += a.amount;
  };
  const release = (h: (typeof holds)[number], amount: number, allocs: Allocation[], reason: string | null) => {
    h.active = false;
    held -= amount;
    balance += amount;
    giveBack(allocs);
    emit({ type: 'POINTS_HOLD_RELEASED', amount, holdId: h.holdId, allocations: allocs, reason });
    takeBackShares(allocs);
  };
  const lazy = () => {
    for (const l of lots) {
      if (!l.pending || l.availableAt > now) continue;
      l.pending = false;
      if (l.remaining === 0) continue;
      pending -= l.remaining;
      balance += l.remaining;
      emit({ type: 'POINTS_GRANT_ACTIVATED', amount: l.remaining, grantId: l.grantId });
    }
    for (const h of holds) if (h.active && h.expiresAt <= now) release(h, h.amount, h.allocs, 'lapsed');
    for (const l of lots) {
      if (l.pending || l.remaining === 0 || l.expiresAt > now) continue;
      const r = l.remaining;
      l.remaining = 0;
      balance -= r;
      emit({ type: 'POINTS_EXPIRED', amount: r, grantId: l.grantId, expiresAt: l.expiresAt });
    }
  };

  for (const op of ops) {
    now += op.dt;
    lazy();
    const id = randomUUID();
    const n = op.amount;
    switch (op.kind % KINDS) {
      case 0: {
        const expiresAt = now + (1 + (n % 5)) * DAY;
        lots.push({ grantId: id, remaining: n, expiresAt, pending: false, availableAt: 0, revoked: false });
        balance += n;
        emit({ type: 'POINTS_GRANTED', amount: n, grantId: id, expiresAt, reason: 'r', source: n % 2 ? 'shop' : null, orderId: orderOf(n) });
        break;
      }
      case 1: {
        const availableAt = now + (1 + (n % 3)) * (DAY / 2);
        const expiresAt = availableAt + (1 + (n % 4)) * DAY;
        lots.push({ grantId: id, remaining: n, expiresAt, pending: true, availableAt, revoked: false });
        pending += n;
        emit({ type: 'POINTS_GRANT_PENDING', amount: n, grantId: id, expiresAt, availableAt, reason: 'purchase', source: 'shop', orderId: orderOf(n) });
        break;
      }
      case 2: {
        const candidates = lots.filter((l) => l.pending && l.remaining > 0);
        const l = candidates[n % Math.max(1, candidates.length)];
        if (!l) break;
        l.pending = false;
        pending -= l.remaining;
        balance += l.remaining;
        emit({ type: 'POINTS_GRANT_ACTIVATED', amount: l.remaining, grantId: l.grantId, reason: n % 2 ? 'confirmed' : null });
        break;
      }
      case 3: {
        const amount = 1 + (n % 300);
        if (amount > balance) break;
        const allocs = take(amount);
        balance -= amount;
        uses.push({ useId: id, amount, canceled: 0, allocs: allocs.map((a) => ({ ...a, restored: 0 })) });
        emit({ type: 'POINTS_USED', amount, useId: id, allocations: allocs, orderId: orderOf(n) });
        break;
      }
      case 4: {
        const u = uses[n % Math.max(1, uses.length)];
        if (!u || u.canceled === u.amount) break;
        const amount = 1 + (n % (u.amount - u.canceled));
        // Latest allocation first.
        const allocs: Allocation[] = [];
        let left = amount;
        for (const a of [...u.allocs].reverse()) {
          const x = Math.min(left, a.amount - a.restored);
          if (x <= 0) continue;
          a.restored += x;
          left -= x;
          allocs.push({ grantId: a.grantId, amount: x });
          if (left === 0) break;
        }
        u.canceled += amount;
        balance += amount;
        giveBack(allocs);
        emit({ type: 'POINTS_USE_CANCELED', amount, useId: u.useId, cancellationId: id, allocations: allocs });
        takeBackShares(allocs);
        break;
      }
      case 5: {
        const candidates = lots.filter((l) => l.remaining > 0);
        const l = candidates[n % Math.max(1, candidates.length)];
        if (!l) break;
        const amount = n % 2 ? l.remaining : 1 + (n % l.remaining);
        l.remaining -= amount;
        // Only a revocation that leaves nothing closes the lot (as the domain's).
        if (l.remaining === 0) l.revoked = true;
        if (l.pending) pending -= amount;
        else balance -= amount;
        emit({ type: 'POINTS_REVOKED', amount, grantId: l.grantId, reason: 'fraud' });
        break;
      }
      case 6: {
        const amount = 1 + (n % 300);
        if (amount > balance) break;
        const allocs = take(amount);
        balance -= amount;
        held += amount;
        const expiresAt = now + 60_000 + (n % 4) * (DAY / 4);
        holds.push({ holdId: id, amount, expiresAt, active: true, allocs });
        emit({ type: 'POINTS_HELD', amount, holdId: id, allocations: allocs, expiresAt, orderId: orderOf(n), reason: 'checkout' });
        break;
      }
      case 7: {
        const active = holds.filter((h) => h.active);
        const h = active[n % Math.max(1, active.length)];
        if (!h) break;
        const amount = n % 2 ? h.amount : 1 + (n % h.amount);
        const captured: Allocation[] = [];
        const rest: Allocation[] = [];
        let left = amount;
        for (const a of h.allocs) {
          const x = Math.min(left, a.amount);
          left -= x;
          if (x > 0) captured.push({ grantId: a.grantId, amount: x });
          if (a.amount - x > 0) rest.push({ grantId: a.grantId, amount: a.amount - x });
        }
        h.active = false;
        held -= amount;
        uses.push({ useId: id, amount, canceled: 0, allocs: captured.map((a) => ({ ...a, restored: 0 })) });
        emit({ type: 'POINTS_USED', amount, useId: id, holdId: h.holdId, allocations: captured, orderId: orderOf(n) });
        if (amount < h.amount) release(h, h.amount - amount, rest, null);
        break;
      }
      case 8: {
        const active = holds.filter((h) => h.active);
        const h = active[n % Math.max(1, active.length)];
        if (h) release(h, h.amount, h.allocs, n % 2 ? 'changed my mind' : null);
        break;
      }
      default:
        // The maintenance run: only the lazy steps, done above.
        break;
    }
  }
  return out;
}

describe('Redis apply script', () => {
  it('matches the pure model for random streams of every event type, batches and redeliveries', async () => {
    const limit = 7;
    const store = new RedisStore(redis, limit);
    const seen = await expectStreamsMatchModel(redis, store, limit, ledgerStream, { userPrefix: 'lua', tourBatchSize: 2 });
    // Every type was applied (and so the script's every branch).
    expect([...seen].sort()).toEqual(
      [
        'POINTS_EXPIRED',
        'POINTS_GRANTED',
        'POINTS_GRANT_ACTIVATED',
        'POINTS_GRANT_PENDING',
        'POINTS_HELD',
        'POINTS_HOLD_RELEASED',
        'POINTS_REVOKED',
        'POINTS_USED',
        'POINTS_USE_CANCELED',
      ].sort(),
    );
  });

  it('matches the pure model for several users sharing batches and orders (one script call per user, sent at once)', async () => {
    const limit = 5;
    const store = new RedisStore(redis, limit);
    await fc.assert(
      fc.asyncProperty(fc.array(ops(14), { minLength: 2, maxLength: 5 }), fc.integer({ min: 1, max: 8 }), async (opsPerUser, batchSize) => {
        const run = randomUUID().slice(0, 8);
        const orders = [`shared-${run}-1`, `shared-${run}-2`];
        const userIds = opsPerUser.map(() => `multi-${randomUUID().slice(0, 12)}`);
        const streams = opsPerUser.map((list, u) => ledgerStream(userIds[u]!, list, orders));
        // Interleave the users' streams (each stays in order), then deliver in batches, each twice.
        const all: PointEvent[] = [];
        for (let i = 0; streams.some((st) => i < st.length); i++) for (const st of streams) if (i < st.length) all.push(st[i]!);
        let applied = 0;
        for (let i = 0; i < all.length; i += batchSize) {
          const batch = all.slice(i, i + batchSize);
          applied += (await store.apply(batch)).applied;
          expect(await store.apply(batch)).toEqual({ applied: 0, duplicates: batch.length });
        }
        expect(applied).toBe(all.length);
        for (const [u, st] of streams.entries()) expect(await readImage(redis, userIds[u]!, st)).toEqual(redisImage(userIds[u]!, modelOf(st, limit)));
        // One order's members come from every user that used it.
        await expectIndexes(redis, all);
      }),
      { numRuns: 25 },
    );
  });

  it('writes the indexes again for a redelivered batch that the script skips (a failure between the two steps loses nothing)', async () => {
    const store = new RedisStore(redis, 10);
    const userId = `redeliver-${randomUUID().slice(0, 8)}`;
    const events = ledgerStream(
      userId,
      [
        { kind: 0, amount: 300, dt: 0 },
        { kind: 6, amount: 99, dt: 0 },
        { kind: 3, amount: 30, dt: 0 },
      ],
      [`ord-${userId}`],
    );
    expect(events.map((e) => e.type)).toEqual(['POINTS_GRANTED', 'POINTS_HELD', 'POINTS_USED']);
    expect(await store.apply(events)).toEqual({ applied: 3, duplicates: 0 });
    // As if the first delivery's index writes had been lost: the redelivery writes them.
    const indexKeys = events.flatMap((e) => {
      const x = indexEntries(e);
      return [...x.owners.map(([k]) => k), ...x.orders.map(([k]) => k)];
    });
    expect(indexKeys.length).toBeGreaterThanOrEqual(4);
    for (const k of indexKeys) await redis.del(k);
    expect(await store.apply(events)).toEqual({ applied: 0, duplicates: 3 });
    await expectIndexes(redis, events);
  });

  it('changes only the active lot of a grant projected before records existed (a version-1 model), making no record up', async () => {
    const store = new RedisStore(redis, 10);
    const userId = `legacy-${randomUUID().slice(0, 8)}`;
    const k = userKeys(userId);
    // What the version-1 script left: wallet, lots, no record.
    await redis.hset(k.wallet, { balance: '100', seq: '1', updatedAt: '1000' });
    await redis.hset(k.remaining, 'OLD', '100');
    await redis.hset(k.expiry, 'OLD', String(Date.UTC(2030, 0, 1)));
    const base = { userId, occurredAt: 2000 };
    const events = [
      pointEvent({
        ...base,
        eventId: randomUUID(),
        seq: 2,
        type: 'POINTS_USED',
        amount: 40,
        balanceAfter: 60,
        useId: 'U',
        allocations: [{ grantId: 'OLD', amount: 40 }],
      }),
      pointEvent({
        ...base,
        eventId: randomUUID(),
        seq: 3,
        type: 'POINTS_USE_CANCELED',
        amount: 5,
        balanceAfter: 65,
        useId: 'OLD-USE',
        cancellationId: 'C',
        allocations: [{ grantId: 'OLD', amount: 5 }],
      }),
      pointEvent({ ...base, eventId: randomUUID(), seq: 4, type: 'POINTS_REVOKED', amount: 65, balanceAfter: 0, grantId: 'OLD' }),
    ];
    await store.apply(events);
    const legacy: UserModel = { ...emptyModel(), balance: 100, seq: 1, updatedAt: 1000, remaining: { OLD: 100 }, expiry: { OLD: Date.UTC(2030, 0, 1) } };
    const expected = events.reduce((m, e) => evolve(m, e, 10).model, legacy);
    // The version-1 history was empty here; the model's holds the three events.
    expect(await readImage(redis, userId, events)).toEqual(redisImage(userId, expected));
    expect(await redis.exists(recordKey(userId, 'grant', 'OLD'), recordKey(userId, 'use', 'OLD-USE'))).toBe(0);
  });

  it('a gap stops only its user, wherever the user sits among hundreds in the batch', async () => {
    const store = new RedisStore(redis, 10);
    const users = Array.from({ length: 450 }, (_, i) => `many-${i}-${randomUUID().slice(0, 8)}`);
    const gapUser = users[317]!;
    const batch = users.flatMap((u) => {
      const events = ledgerStream(u, [
        { kind: 0, amount: 100, dt: 0 },
        { kind: 0, amount: 50, dt: 0 },
        { kind: 3, amount: 30, dt: 0 },
      ]);
      return u === gapUser ? [events[0]!, events[2]!] : events;
    });
    const err = await store.apply(batch).catch((e: unknown) => e);
    expect(err).toMatchObject({ userId: gapUser, expectedSeq: 2, gotSeq: 3 });
    expect(await redis.hget(userKeys(gapUser).wallet, 'seq')).toBe('1');
    for (const u of [users[0]!, users[199]!, users[200]!, users[316]!, users[318]!, users[449]!]) expect(await redis.hget(userKeys(u).wallet, 'seq')).toBe('3');
  });

  it('stops at a gap: applies what precedes it, reports user and seqs, applies nothing after', async () => {
    const userId = `gap-${randomUUID().slice(0, 12)}`;
    const events = ledgerStream(userId, [
      { kind: 0, amount: 100, dt: 0 },
      { kind: 0, amount: 200, dt: 0 },
      { kind: 3, amount: 50, dt: 0 },
    ]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    const store = new RedisStore(redis, 10);
    const other = `ok-${randomUUID().slice(0, 12)}`;
    const otherEvents = ledgerStream(other, [{ kind: 0, amount: 10, dt: 0 }]);
    const err = await store.apply([events[0]!, events[2]!, ...otherEvents]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GapError);
    expect(err).toMatchObject({ userId, expectedSeq: 2, gotSeq: 3 });
    expect(await readImage(redis, userId, events)).toEqual(redisImage(userId, modelOf(events.slice(0, 1), 10)));
    expect(await redis.hget(userKeys(other).wallet, 'seq')).toBe('1'); // other users of the batch are applied
  });

  it('keeps every key of a user in one hash slot ({userId} tag), and the rebuild pattern matches every key the model writes', async () => {
    for (const k of [...Object.values(userKeys('alice')), recordKey('alice', 'grant', 'g'), recordKey('alice', 'use', 'u'), recordKey('alice', 'hold', 'h')]) {
      expect(k).toMatch(/^u:\{alice\}:/);
    }
    // Every key of this run (under its prefix) is the model's: the pattern finds them all, and nothing else.
    const store = new RedisStore(redis, 10);
    const userId = `pattern-${randomUUID().slice(0, 8)}`;
    await store.apply(
      ledgerStream(
        userId,
        [
          { kind: 0, amount: 300, dt: 0 },
          { kind: 6, amount: 99, dt: 0 },
          { kind: 3, amount: 30, dt: 0 },
        ],
        [`ord-${userId}`],
      ),
    );
    const all: string[] = [];
    for await (const page of scanKeys(redis, '*')) all.push(...page);
    const matched: string[] = [];
    for await (const page of scanKeys(redis, MODEL_KEY_PATTERN)) matched.push(...page);
    expect(matched.sort()).toEqual(all.sort());
    expect(all.filter((k) => k.includes(userId) || k.startsWith('i:{') || k.startsWith('o:{')).length).toBeGreaterThan(8);
  });
});
