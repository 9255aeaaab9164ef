/**
 * Each projector publishes its progress to Redis (hash ledger:projector:<name>) after
 * every batch; GET /v1/pipeline/status reads it (last event seen, freshness).
 */
import type { Redis } from 'ioredis';
import type { ProjectorStats } from './run-projector.ts';

export const statusKey = (name: string) => `ledger:projector:${name}`;

export async function publishStatus(redis: Redis, name: string, s: ProjectorStats): Promise<void> {
  const fields: Record<string, string> = {
    applied: String(s.applied),
    duplicates: String(s.duplicates),
    deadLettered: String(s.deadLettered),
    storeRetries: String(s.storeRetries),
    gapsStopped: String(s.gapsStopped),
    updatedAt: String(Date.now()),
  };
  if (s.lastEvent) {
    fields.lastUserId = s.lastEvent.userId;
    fields.lastSeq = String(s.lastEvent.seq);
    fields.lastOccurredAt = String(s.lastEvent.occurredAt);
    fields.lastAppliedAt = String(s.lastEvent.appliedAt);
  }
  await redis.hset(statusKey(name), fields);
}

export interface PublishedStatus {
  applied: number;
  duplicates: number;
  deadLettered: number;
  storeRetries: number;
  gapsStopped: number;
  updatedAt: number | null;
  lastEvent: { userId: string; seq: number; occurredAt: number; appliedAt: number } | null;
}

export async function readStatus(redis: Redis, name: string): Promise<PublishedStatus | null> {
  const h = await redis.hgetall(statusKey(name));
  if (Object.keys(h).length === 0) return null;
  const n = (k: string) => Number(h[k] ?? 0);
  return {
    applied: n('applied'), duplicates: n('duplicates'), deadLettered: n('deadLettered'),
    storeRetries: n('storeRetries'), gapsStopped: n('gapsStopped'),
    updatedAt: h.updatedAt ? Number(h.updatedAt) : null,
    lastEvent: h.lastUserId
      ? { userId: h.lastUserId, seq: n('lastSeq'), occurredAt: n('lastOccurredAt'), appliedAt: n('lastAppliedAt') }
      : null,
  };
}
