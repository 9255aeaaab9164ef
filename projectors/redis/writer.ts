/**
 * RedisStore: applies a batch of events in one pipeline of script calls. Each call
 * applies the events of up to USERS_PER_CALL users, each user's events in seq order
 * and atomically (the script runs as one step). Grouping users saves a script call
 * (and its arguments' handling on both sides) per user: a replay's batch of thousands
 * of events needs a few dozen calls, not a thousand. On Redis Cluster a call may only
 * touch one slot, so there every call holds one user, as the {userId} key tags intend.
 */
import type { Redis, Result } from 'ioredis';
import type { PointEvent } from '../../schemas/point-event.ts';
import { GapError } from '../shared/gap-error.ts';
import type { ApplyResult, ProjectorStore } from '../shared/run-projector.ts';
import { APPLY_SCRIPT, scriptArgs } from './apply-script.ts';
import { userKeys } from './keys.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** APPLY_SCRIPT: four keys per user, then limit, now and each user's scriptArgs. */
    applyPointEvents(numberOfKeys: number, keys: string[], args: string[]): Result<number[], Context>;
  }
}

/** Users per script call: each call keeps Redis busy for a millisecond or two at most. */
const USERS_PER_CALL = 200;

export class RedisStore implements ProjectorStore {
  readonly name = 'redis';
  private readonly usersPerCall: number;

  constructor(private readonly redis: Redis, private readonly historyLimit: number) {
    // ioredis runs it with EVALSHA and loads it again after a Redis restart (NOSCRIPT).
    redis.defineCommand('applyPointEvents', { lua: APPLY_SCRIPT });
    this.usersPerCall = redis.isCluster ? 1 : USERS_PER_CALL;
  }

  async apply(events: PointEvent[]): Promise<ApplyResult> {
    const byUser = new Map<string, PointEvent[]>();
    for (const e of events) {
      const list = byUser.get(e.userId);
      if (list) list.push(e);
      else byUser.set(e.userId, [e]);
    }
    const users = [...byUser.keys()];
    const now = String(Date.now());
    const limit = String(this.historyLimit);
    const pipeline = this.redis.pipeline();
    for (let from = 0; from < users.length; from += this.usersPerCall) {
      const keys: string[] = [];
      const args = [limit, now];
      for (const userId of users.slice(from, from + this.usersPerCall)) {
        const k = userKeys(userId);
        keys.push(k.wallet, k.remaining, k.expiry, k.history);
        const list = byUser.get(userId)!;
        if (list.length > 1) list.sort((a, b) => a.seq - b.seq);
        scriptArgs(list, args);
      }
      pipeline.applyPointEvents(keys.length, keys, args);
    }
    const results = await pipeline.exec();
    if (!results) throw new Error('Redis pipeline was aborted');
    const total: ApplyResult = { applied: 0, duplicates: 0 };
    let gap: GapError | undefined;
    results.forEach(([err, res], call) => {
      if (err) throw err;
      const [applied, duplicates, gapUser, expected, got] = res as number[];
      total.applied += applied!;
      total.duplicates += duplicates!;
      if (gapUser! > 0 && !gap) gap = new GapError(users[call * this.usersPerCall + gapUser! - 1]!, expected!, got!);
    });
    if (gap) throw gap;
    return total;
  }
}
