/**
 * RedisStore: applies a batch of events, one script call per user (the user's events
 * in seq order, atomically), all calls of the batch in one pipeline.
 */
import type { Redis, Result } from 'ioredis';
import type { PointEvent } from '../../api/src/points/types.ts';
import { GapError } from '../shared/gap-error.ts';
import type { ApplyResult, ProjectorStore } from '../shared/run-projector.ts';
import { APPLY_SCRIPT, scriptEvent } from './apply-script.ts';
import { userKeys } from './keys.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    applyPointEvents(w: string, lr: string, le: string, h: string, limit: string, now: string, events: string): Result<number[], Context>;
  }
}

export class RedisStore implements ProjectorStore {
  readonly name = 'redis';

  constructor(private readonly redis: Redis, private readonly historyLimit: number) {
    // ioredis runs it with EVALSHA and loads it again after a Redis restart (NOSCRIPT).
    redis.defineCommand('applyPointEvents', { numberOfKeys: 4, lua: APPLY_SCRIPT });
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
    const pipeline = this.redis.pipeline();
    for (const userId of users) {
      const k = userKeys(userId);
      const list = byUser.get(userId)!.sort((a, b) => a.seq - b.seq);
      pipeline.applyPointEvents(k.wallet, k.remaining, k.expiry, k.history, String(this.historyLimit), now, JSON.stringify(list.map(scriptEvent)));
    }
    const results = await pipeline.exec();
    if (!results) throw new Error('Redis pipeline was aborted');
    const total: ApplyResult = { applied: 0, duplicates: 0 };
    let gap: GapError | undefined;
    results.forEach(([err, res], i) => {
      if (err) throw err;
      const [applied, duplicates, expected, got] = res as number[];
      total.applied += applied!;
      total.duplicates += duplicates!;
      if (expected! > 0 && !gap) gap = new GapError(users[i]!, expected!, got!);
    });
    if (gap) throw gap;
    return total;
  }
}
