/**
 * Test support of the Redis writer's tests (writer.int.test.ts here, and the API's
 * api/test/domain-events-redis.int.test.ts with the domain's own streams): the generated
 * operations, the pure model's image of a stream, and what Redis holds against it.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { RedisClient } from '../../../common/src/redis.ts';
import type { PointEvent } from '../../../schemas/point-event.ts';
import { recordKey, userKeys } from '../keys.ts';
import { emptyModel, evolve, indexEntries, redisImage, type KeyImage, type UserModel } from '../model.ts';
import type { RedisStore } from '../writer.ts';

export const DAY = 86_400_000;
/** The kinds of operation a generated stream has (its op.kind modulo this). */
export const KINDS = 10;

/** One generated operation; each stream generator reads it as one of its KINDS commands. */
export interface Op {
  kind: number;
  amount: number;
  dt: number;
}

/** What Redis holds under `key` (as redisImage says it), or undefined when there is no such key. */
export async function keyImage(redis: RedisClient, key: string): Promise<KeyImage | undefined> {
  const type = await redis.type(key);
  if (type === 'none') return undefined;
  if (type === 'hash') {
    const hash = await redis.hgetall(key);
    delete hash.projectedAt;
    return { hash };
  }
  if (type === 'list') return { list: await redis.lrange(key, 0, -1) };
  if (type === 'zset') {
    const flat = await redis.zrange(key, 0, -1, 'WITHSCORES');
    const zset: [string, string][] = [];
    for (let i = 0; i < flat.length; i += 2) zset.push([flat[i]!, flat[i + 1]!]);
    return { zset };
  }
  throw new Error(`${key} is a ${type}`);
}

/**
 * Every key of the user's slot that the script may have written: the user's keys and the
 * record of every id the events name (the script touches its KEYS only, and those are
 * all of them), as Redis holds them.
 */
export async function readImage(redis: RedisClient, userId: string, events: PointEvent[]): Promise<Record<string, KeyImage>> {
  const keys = new Set(Object.values(userKeys(userId)));
  for (const e of events) {
    if (e.grantId) keys.add(recordKey(userId, 'grant', e.grantId));
    for (const a of e.allocations) keys.add(recordKey(userId, 'grant', a.grantId));
    if (e.useId) keys.add(recordKey(userId, 'use', e.useId));
    if (e.holdId) keys.add(recordKey(userId, 'hold', e.holdId));
  }
  const out: Record<string, KeyImage> = {};
  for (const k of keys) {
    const image = await keyImage(redis, k);
    if (image) out[k] = image;
  }
  return out;
}

/** The owner and order indexes in Redis against what indexEntries says of the events. */
export async function expectIndexes(redis: RedisClient, events: PointEvent[]): Promise<void> {
  const owners = new Map<string, string>();
  const orders = new Map<string, Set<string>>();
  for (const e of events) {
    const x = indexEntries(e);
    for (const [k, u] of x.owners) owners.set(k, u);
    for (const [k, m] of x.orders) orders.set(k, (orders.get(k) ?? new Set()).add(m));
  }
  for (const [k, u] of owners) expect(await redis.get(k), k).toBe(u);
  for (const [k, members] of orders) expect((await redis.smembers(k)).sort(), k).toEqual([...members].sort());
}

/** DESIGN.md's invariants, of the generated stream as the model sees it: balance, pending and held are what the lots and holds say. */
export function expectWalletInvariants(m: UserModel): void {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  expect(m.balance).toBe(sum(Object.values(m.remaining)));
  expect(m.pending).toBe(
    sum(
      Object.values(m.grants)
        .filter((g) => g.state === 'PENDING')
        .map((g) => g.remaining),
    ),
  );
  expect(m.held).toBe(
    sum(
      Object.values(m.holds)
        .filter((h) => h.state === 'ACTIVE')
        .map((h) => h.amount),
    ),
  );
  expect(Object.keys(m.activeHolds).sort()).toEqual(
    Object.keys(m.holds)
      .filter((h) => m.holds[h]!.state === 'ACTIVE')
      .sort(),
  );
  for (const g of Object.values(m.grants)) expect(g.remaining).toBeGreaterThanOrEqual(0);
}

export const modelOf = (events: PointEvent[], limit: number): UserModel => events.reduce((m, e) => evolve(m, e, limit).model, emptyModel());

/**
 * A stream that reaches every event type (and so every branch of the script), as either
 * generator reads it: run first by the property tests (fast-check's examples), since
 * random lists reach a cancellation or a lapse only now and then.
 */
export const TOUR: Op[] = [
  { kind: 0, amount: 500, dt: 0 }, // grant
  { kind: 1, amount: 100, dt: 0 }, // pending grant
  { kind: 2, amount: 1, dt: 0 }, // activate it
  { kind: 3, amount: 49, dt: 0 }, // use
  { kind: 4, amount: 10, dt: 0 }, // cancel part of it
  { kind: 5, amount: 2, dt: 0 }, // revoke part of a lot
  { kind: 6, amount: 100, dt: 0 }, // hold
  { kind: 7, amount: 10, dt: 0 }, // capture part of it (the rest released)
  { kind: 6, amount: 20, dt: 0 }, // hold
  { kind: 8, amount: 1, dt: 0 }, // release it
  { kind: 6, amount: 30, dt: 0 }, // hold
  { kind: 9, amount: 1, dt: 2 * DAY }, // the maintenance run: the hold lapses, lots expire
];

export const ops = (maxLength: number) =>
  fc.array(fc.record({ kind: fc.integer({ min: 0, max: KINDS - 1 }), amount: fc.integer({ min: 1, max: 2000 }), dt: fc.integer({ min: 0, max: 2 * DAY }) }), {
    minLength: 1,
    maxLength,
  });

/** Delivers in batches, every batch twice (at-least-once); returns what the store counted. */
export async function deliver(store: RedisStore, events: PointEvent[], batchSize: number): Promise<{ applied: number; duplicates: number }> {
  const total = { applied: 0, duplicates: 0 };
  for (let i = 0; i < events.length; i += batchSize) {
    const batch = events.slice(i, i + batchSize);
    for (const r of [await store.apply(batch), await store.apply(batch)]) {
      total.applied += r.applied;
      total.duplicates += r.duplicates;
    }
  }
  return total;
}

/**
 * The property both writer tests check, for streams of their own making: for random
 * operations and batch sizes, every batch delivered twice, Redis holds exactly the pure
 * model's image and the indexes. Returns the event types that were applied.
 */
export async function expectStreamsMatchModel(
  redis: RedisClient,
  store: RedisStore,
  limit: number,
  stream: (userId: string, list: Op[], orders: string[]) => PointEvent[],
  opts: { userPrefix: string; tourBatchSize: number },
): Promise<Set<string>> {
  const seen = new Set<string>();
  await fc.assert(
    fc.asyncProperty(ops(40), fc.integer({ min: 1, max: 6 }), async (list, batchSize) => {
      const userId = `${opts.userPrefix}-${randomUUID().slice(0, 12)}`;
      const events = stream(userId, list, [`ord-${userId}`]);
      for (const e of events) seen.add(e.type);
      expect(await deliver(store, events, batchSize)).toEqual({ applied: events.length, duplicates: events.length });
      const expected = modelOf(events, limit);
      expectWalletInvariants(expected);
      expect(await readImage(redis, userId, events)).toEqual(redisImage(userId, expected));
      await expectIndexes(redis, events);
    }),
    { numRuns: 60, examples: [[TOUR, opts.tourBatchSize]] },
  );
  return seen;
}
