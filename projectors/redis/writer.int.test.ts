/**
 * The Lua script against its specification (model.ts evolve), on the real Redis:
 * random realistic event streams from the domain's decide(), delivered in batches
 * with redeliveries, must leave Redis exactly as the pure model says.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { loadConfig } from '../../common/src/config.ts';
import { decide } from '../../api/src/points/decide.ts';
import { evolve as evolveWallet } from '../../api/src/points/evolve.ts';
import { DomainError } from '../../api/src/points/errors.ts';
import { emptyWallet, type Command, type PointEvent } from '../../api/src/points/types.ts';
import { GapError } from '../shared/gap-error.ts';
import { userKeys } from './keys.ts';
import { emptyModel, evolve, type UserModel } from './model.ts';
import { RedisStore } from './writer.ts';

const cfg = loadConfig();
// A database of its own (15): these users never went through Kafka, so they must
// not sit in the real model (db 0), where a rebuild could not reproduce them.
let redis: Redis;
beforeAll(async () => {
  redis = new Redis({ host: cfg.redis.host, port: cfg.redis.port, db: 15 });
  await redis.flushdb();
});
afterAll(async () => {
  await redis.flushdb();
  await redis.quit();
});

const DAY = 86_400_000;

/** A realistic event stream for one user, produced by the domain itself. */
function eventsFor(userId: string, ops: { kind: number; amount: number; dt: number }[]): PointEvent[] {
  let wallet = emptyWallet(userId);
  let now = Date.UTC(2026, 0, 1);
  const out: PointEvent[] = [];
  const useIds: string[] = [];
  const grantIds: string[] = [];
  for (const op of ops) {
    now += op.dt;
    let cmd: Command;
    const id = randomUUID();
    switch (op.kind) {
      case 0: cmd = { kind: 'grant', userId, grantId: id, amount: op.amount, expiresAt: now + (1 + (op.amount % 5)) * DAY, reason: 'r', source: null }; grantIds.push(id); break;
      case 1: cmd = { kind: 'use', userId, useId: id, amount: 1 + (op.amount % 300), orderId: null, reason: null }; useIds.push(id); break;
      case 2: cmd = { kind: 'cancelUse', userId, useId: useIds[op.amount % Math.max(1, useIds.length)] ?? 'none', cancellationId: id, amount: null, reason: null }; break;
      default: cmd = { kind: 'revoke', userId, grantId: grantIds[op.amount % Math.max(1, grantIds.length)] ?? 'none', reason: 'r' };
    }
    try {
      const events = decide(cmd, wallet, now, randomUUID);
      wallet = events.reduce(evolveWallet, wallet);
      out.push(...events);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
    }
  }
  return out;
}

async function readModel(userId: string): Promise<UserModel> {
  const k = userKeys(userId);
  const [w, remaining, expiry, history] = await Promise.all([
    redis.hgetall(k.wallet), redis.hgetall(k.remaining), redis.hgetall(k.expiry), redis.lrange(k.history, 0, -1),
  ]);
  return {
    balance: Number(w.balance ?? 0),
    seq: Number(w.seq ?? 0),
    updatedAt: w.updatedAt ? Number(w.updatedAt) : null,
    remaining: Object.fromEntries(Object.entries(remaining).map(([g, r]) => [g, Number(r)])),
    expiry: Object.fromEntries(Object.entries(expiry).map(([g, e]) => [g, Number(e)])),
    history: history.map((h) => JSON.parse(h)),
  };
}

describe('Redis apply script', () => {
  it('matches the pure model for random streams, batches and redeliveries', async () => {
    const limit = 7;
    const store = new RedisStore(redis, limit);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ kind: fc.integer({ min: 0, max: 3 }), amount: fc.integer({ min: 1, max: 2000 }), dt: fc.integer({ min: 0, max: 2 * DAY }) }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 6 }),
        async (ops, batchSize) => {
          const userId = `lua-${randomUUID().slice(0, 12)}`;
          const events = eventsFor(userId, ops);
          let expected = emptyModel();
          for (const e of events) expected = evolve(expected, e, limit).model;
          // Deliver in batches; every batch is delivered twice (at-least-once).
          let applied = 0;
          let duplicates = 0;
          for (let i = 0; i < events.length; i += batchSize) {
            const batch = events.slice(i, i + batchSize);
            const first = await store.apply(batch);
            const again = await store.apply(batch);
            applied += first.applied + again.applied;
            duplicates += first.duplicates + again.duplicates;
          }
          expect(applied).toBe(events.length);
          expect(duplicates).toBe(events.length);
          expect(await readModel(userId)).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('matches the pure model for several users sharing batches (one script call serves many users)', async () => {
    const limit = 5;
    const store = new RedisStore(redis, limit);
    const op = fc.record({ kind: fc.integer({ min: 0, max: 3 }), amount: fc.integer({ min: 1, max: 2000 }), dt: fc.integer({ min: 0, max: 2 * DAY }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { minLength: 1, maxLength: 12 }), { minLength: 2, maxLength: 5 }),
        fc.integer({ min: 1, max: 8 }),
        async (opsPerUser, batchSize) => {
          const userIds = opsPerUser.map(() => `multi-${randomUUID().slice(0, 12)}`);
          const streams = opsPerUser.map((ops, u) => eventsFor(userIds[u]!, ops));
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
          for (const [u, st] of streams.entries()) {
            let expected = emptyModel();
            for (const e of st) expected = evolve(expected, e, limit).model;
            expect(await readModel(userIds[u]!)).toEqual(expected);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('a gap stops only its user, wherever the user sits among hundreds in the batch', async () => {
    const store = new RedisStore(redis, 10);
    const users = Array.from({ length: 450 }, (_, i) => `many-${i}-${randomUUID().slice(0, 8)}`);
    const gapUser = users[317]!;
    const batch = users.flatMap((u) => {
      const events = eventsFor(u, [{ kind: 0, amount: 100, dt: 0 }, { kind: 0, amount: 50, dt: 0 }, { kind: 1, amount: 30, dt: 0 }]);
      return u === gapUser ? [events[0]!, events[2]!] : events;
    });
    const err = await store.apply(batch).catch((e: unknown) => e);
    expect(err).toMatchObject({ userId: gapUser, expectedSeq: 2, gotSeq: 3 });
    expect((await readModel(gapUser)).seq).toBe(1);
    for (const u of [users[0]!, users[199]!, users[200]!, users[316]!, users[318]!, users[449]!]) expect((await readModel(u)).seq).toBe(3);
  });

  it('stops at a gap: applies what precedes it, reports user and seqs, applies nothing after', async () => {
    const userId = `gap-${randomUUID().slice(0, 12)}`;
    const events = eventsFor(userId, [{ kind: 0, amount: 100, dt: 0 }, { kind: 0, amount: 200, dt: 0 }, { kind: 1, amount: 50, dt: 0 }]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    const store = new RedisStore(redis, 10);
    const other = `ok-${randomUUID().slice(0, 12)}`;
    const otherEvents = eventsFor(other, [{ kind: 0, amount: 10, dt: 0 }]);
    const err = await store.apply([events[0]!, events[2]!, ...otherEvents]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GapError);
    expect(err).toMatchObject({ userId, expectedSeq: 2, gotSeq: 3 });
    expect((await readModel(userId)).seq).toBe(1);
    expect((await readModel(other)).seq).toBe(1); // other users of the batch are applied
  });

  it('keeps every key of a user in one hash slot ({userId} tag)', () => {
    const keys = Object.values(userKeys('alice'));
    for (const k of keys) expect(k).toMatch(/^u:\{alice\}:/);
  });
});
