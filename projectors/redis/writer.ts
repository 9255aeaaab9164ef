/**
 * RedisStore: applies a batch of events with one script call per user, the calls of
 * different users sent at once. Each call applies its user's events in seq order and
 * atomically (the script runs as one step) and touches that user's keys only, which share
 * the hash tag {userId}: one hash slot per call, so the same code runs on one server and on
 * Redis Cluster (where ioredis sends each call to its slot's master). No pipeline or
 * command here spans two slots.
 *
 * The owner and order indexes (keys.ts: ownerKey, orderKey) live in other slots than the
 * user's: they are written first, one idempotent command each (SET of the owner, SADD of
 * the order's member), and only when all of them succeeded do the users' scripts run. So
 * whatever the script applies is already indexed, and a redelivered event (which the
 * script skips as a duplicate) writes its index entries again, which changes nothing:
 * an index entry is never missing behind an applied event, even after a failure between
 * the two steps.
 */
import type { Result } from 'ioredis';
import { isCluster, type RedisClient } from '../../common/src/redis.ts';
import type { PointEvent } from '../../schemas/point-event.ts';
import { GapError } from '../shared/gap-error.ts';
import type { ApplyResult, ProjectorStore } from '../shared/run-projector.ts';
import { APPLY_SCRIPT, ScriptKeys, scriptArgs } from './apply-script.ts';
import { indexEntries } from './model.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** APPLY_SCRIPT: the number of keys, one user's keys (ScriptKeys), then limit, now and the user's scriptArgs. */
    applyPointEvents(numberOfKeys: number, ...keysThenArgs: string[]): Result<number[], Context>;
  }
}

export class RedisStore implements ProjectorStore {
  readonly name = 'redis';

  constructor(
    private readonly redis: RedisClient,
    private readonly historyLimit: number,
  ) {
    // ioredis runs it with EVALSHA and loads it again after a Redis restart (NOSCRIPT),
    // on each node of a cluster that does not have it yet.
    // The number of keys varies with the records a call names: given first in each call.
    // So a Cluster client must not auto-pipeline: ioredis groups an auto-pipelined call by
    // its first argument (here the key count, not a key) and then refuses the pipeline
    // ("All keys in the pipeline should belong to the same slots allocation group").
    if (isCluster(redis) && redis.options.enableAutoPipelining) {
      throw new Error('RedisStore needs a Redis Cluster client without enableAutoPipelining');
    }
    redis.defineCommand('applyPointEvents', { lua: APPLY_SCRIPT });
  }

  async apply(events: PointEvent[]): Promise<ApplyResult> {
    await this.writeIndexes(events);
    const byUser = new Map<string, PointEvent[]>();
    for (const e of events) {
      const list = byUser.get(e.userId);
      if (list) list.push(e);
      else byUser.set(e.userId, [e]);
    }
    const users = [...byUser.keys()];
    const now = String(Date.now());
    const limit = String(this.historyLimit);
    const calls = users.map((userId) => {
      const list = byUser.get(userId)!;
      if (list.length > 1) list.sort((a, b) => a.seq - b.seq);
      const keys = new ScriptKeys(userId);
      const args = [limit, now];
      scriptArgs(list, keys, args);
      return this.redis.applyPointEvents(keys.keys.length, ...keys.keys, ...args);
    });
    // Every call is answered before the batch is judged: none is left running behind a retry.
    const results = await Promise.allSettled(calls);
    const total: ApplyResult = { applied: 0, duplicates: 0 };
    let gap: GapError | undefined;
    results.forEach((r, i) => {
      if (r.status === 'rejected') throw r.reason;
      const [applied, duplicates, stopped, expected, got] = r.value;
      total.applied += applied!;
      total.duplicates += duplicates!;
      if (stopped === 1 && !gap) gap = new GapError(users[i]!, expected!, got!);
    });
    if (gap) throw gap;
    return total;
  }

  /**
   * The index entries of the batch's events (owners of new records, members of orders),
   * each key one command (each in its own slot), all sent at once; every one is answered
   * before the batch goes on or fails (then nothing of the users' scripts has run).
   */
  private async writeIndexes(events: PointEvent[]): Promise<void> {
    const owners = new Map<string, string>();
    const orders = new Map<string, Set<string>>();
    for (const e of events) {
      const { owners: o, orders: m } = indexEntries(e);
      for (const [key, userId] of o) owners.set(key, userId);
      for (const [key, member] of m) {
        const set = orders.get(key);
        if (set) set.add(member);
        else orders.set(key, new Set([member]));
      }
    }
    if (owners.size === 0 && orders.size === 0) return;
    const writes: Promise<unknown>[] = [];
    for (const [key, userId] of owners) writes.push(this.redis.set(key, userId));
    for (const [key, members] of orders) writes.push(this.redis.sadd(key, ...members));
    for (const r of await Promise.allSettled(writes)) if (r.status === 'rejected') throw r.reason;
  }
}
