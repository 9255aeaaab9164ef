/**
 * The domain's own event streams through the Redis projector's writer: random operations
 * run through decide() and evolve() (every command of the ledger, refused ones left out,
 * as the API writes them), delivered to the RedisStore (the Lua script) in batches with
 * redeliveries, must leave Redis exactly as the pure model says (redisImage) and the owner
 * and order indexes as indexEntries says. The same checks over a hand-written ledger's
 * streams are the writer's own test (projectors/redis/writer.int.test.ts); this one needs
 * the domain, so it lives with the API (ADR 0009: nothing outside api/ imports api/).
 *
 * These users never went through Kafka: every key of this run carries its own prefix
 * (ioredis keyPrefix), deleted after on every master.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../common/src/config.ts';
import { createRedis, deleteMatching, type RedisClient } from '../../common/src/redis.ts';
import { DAY, expectStreamsMatchModel, KINDS, type Op } from '../../projectors/redis/test/writer-checks.ts';
import { RedisStore } from '../../projectors/redis/writer.ts';
import type { PointEvent } from '../../schemas/point-event.ts';
import { decide } from '../src/points/decide.ts';
import { DomainError } from '../src/points/errors.ts';
import { evolve as evolveWallet } from '../src/points/evolve.ts';
import { emptyWallet, type Command } from '../src/points/types.ts';

const cfg = loadConfig();
const prefix = `test-domain-redis-${randomUUID().slice(0, 8)}:`;
let redis: RedisClient;
beforeAll(() => {
  redis = createRedis(cfg, { keyPrefix: prefix });
});
afterAll(async () => {
  await deleteMatching(redis, '*');
  await redis.quit();
});

/**
 * A stream for one user produced by the domain itself (decide, evolve): every command of
 * the ledger, refused ones (DomainError) left out, as the API would write them.
 */
function domainStream(userId: string, ops: Op[], orders = ['ord-a', 'ord-b']): PointEvent[] {
  let wallet = emptyWallet(userId);
  let now = Date.UTC(2026, 0, 1);
  const out: PointEvent[] = [];
  const useIds: string[] = [];
  const grantIds: string[] = [];
  const holdIds: string[] = [];
  const pick = (ids: string[], n: number) => ids[n % Math.max(1, ids.length)] ?? randomUUID();
  for (const op of ops) {
    now += op.dt;
    let cmd: Command;
    const id = randomUUID();
    const n = op.amount;
    const orderId = n % 3 === 0 ? orders[n % orders.length]! : null;
    switch (op.kind % KINDS) {
      case 0:
        cmd = { kind: 'grant', userId, grantId: id, amount: n, expiresAt: now + (1 + (n % 5)) * DAY, reason: 'r', source: n % 2 ? 'shop' : null, orderId };
        grantIds.push(id);
        break;
      case 1: {
        const availableAt = now + (1 + (n % 3)) * (DAY / 2);
        cmd = {
          kind: 'grant',
          userId,
          grantId: id,
          amount: n,
          availableAt,
          expiresAt: availableAt + (1 + (n % 4)) * DAY,
          reason: 'purchase',
          source: null,
          orderId,
        };
        grantIds.push(id);
        break;
      }
      case 2:
        cmd = { kind: 'activate', userId, grantId: pick(grantIds, n), reason: null };
        break;
      case 3:
        cmd = { kind: 'use', userId, useId: id, amount: 1 + (n % 300), orderId, reason: null };
        useIds.push(id);
        break;
      case 4:
        cmd = { kind: 'cancelUse', userId, useId: pick(useIds, n), cancellationId: id, amount: n % 2 ? null : 1 + (n % 50), reason: null };
        break;
      case 5:
        cmd = { kind: 'revoke', userId, grantId: pick(grantIds, n), reason: 'r', amount: n % 2 ? null : 1 + (n % 100) };
        break;
      case 6:
        cmd = { kind: 'hold', userId, holdId: id, amount: 1 + (n % 300), orderId, reason: 'checkout', ttlSeconds: 60 + (n % 4) * 21_600 };
        holdIds.push(id);
        break;
      case 7:
        cmd = { kind: 'capture', userId, holdId: pick(holdIds, n), useId: id, amount: n % 2 ? null : 1 + (n % 100), reason: null };
        useIds.push(id);
        break;
      case 8:
        cmd = { kind: 'release', userId, holdId: pick(holdIds, n), reason: null };
        break;
      default:
        cmd = { kind: 'expire', userId };
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

describe("the domain's streams through the Redis apply script", () => {
  it("matches the pure model for streams of the domain's own decide(), every command, batches and redeliveries", async () => {
    const limit = 7;
    const store = new RedisStore(redis, limit);
    const seen = await expectStreamsMatchModel(redis, store, limit, domainStream, { userPrefix: 'dom', tourBatchSize: 3 });
    expect(seen.size).toBe(9);
  });
});
