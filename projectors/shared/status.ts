/**
 * Each projector publishes its progress to Redis (hash ledger:projector:<name>) after
 * every batch; GET /v1/pipeline/status and the chaos runs read it (last event seen,
 * freshness, counters). The counters are added up across restarts: each publish adds
 * what happened since the previous one (HINCRBY), so a projector that was killed and
 * started again goes on counting from where the hash was. What a killed process applied
 * after its last publish is not counted (one batch at most).
 */
import type { Redis } from 'ioredis';
import type { ProjectorStats } from './run-projector.ts';

export const statusKey = (name: string) => `ledger:projector:${name}`;

const COUNTERS = ['applied', 'duplicates', 'deadLettered', 'storeRetries', 'gapsStopped', 'consumerRestarts'] as const;

export class StatusPublisher {
  /** The counters as last published by this process. */
  private published: Record<(typeof COUNTERS)[number], number> = { applied: 0, duplicates: 0, deadLettered: 0, storeRetries: 0, gapsStopped: 0, consumerRestarts: 0 };

  /** Publishes run one after the other: two at once would add the same delta twice. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly redis: Redis, private readonly name: string) {}

  publish(s: ProjectorStats): Promise<void> {
    const run = this.chain.then(() => this.send(s));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async send(s: ProjectorStats): Promise<void> {
    const key = statusKey(this.name);
    const tx = this.redis.multi();
    const now = { ...this.published };
    for (const c of COUNTERS) {
      const delta = s[c] - this.published[c];
      if (delta !== 0) tx.hincrby(key, c, delta);
      now[c] = s[c];
    }
    const fields: Record<string, string> = { updatedAt: String(Date.now()) };
    if (s.lastEvent) {
      fields.lastUserId = s.lastEvent.userId;
      fields.lastSeq = String(s.lastEvent.seq);
      fields.lastOccurredAt = String(s.lastEvent.occurredAt);
      fields.lastAppliedAt = String(s.lastEvent.appliedAt);
    }
    tx.hset(key, fields);
    await tx.exec();
    this.published = now;
  }
}

export interface PublishedStatus {
  applied: number;
  duplicates: number;
  deadLettered: number;
  storeRetries: number;
  gapsStopped: number;
  consumerRestarts: number;
  updatedAt: number | null;
  lastEvent: { userId: string; seq: number; occurredAt: number; appliedAt: number } | null;
}

export async function readStatus(redis: Redis, name: string): Promise<PublishedStatus | null> {
  const h = await redis.hgetall(statusKey(name));
  if (Object.keys(h).length === 0) return null;
  const n = (k: string) => Number(h[k] ?? 0);
  return {
    applied: n('applied'), duplicates: n('duplicates'), deadLettered: n('deadLettered'),
    storeRetries: n('storeRetries'), gapsStopped: n('gapsStopped'), consumerRestarts: n('consumerRestarts'),
    updatedAt: h.updatedAt ? Number(h.updatedAt) : null,
    lastEvent: h.lastUserId
      ? { userId: h.lastUserId, seq: n('lastSeq'), occurredAt: n('lastOccurredAt'), appliedAt: n('lastAppliedAt') }
      : null,
  };
}
