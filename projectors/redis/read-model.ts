/** Reads of the Redis model, for the query API. */
import type { Redis } from 'ioredis';
import { userKeys } from './keys.ts';
import type { HistoryItem } from '../shared/history-item.ts';

const DAY = 86_400_000;

export interface BalanceView {
  userId: string;
  balance: number;
  seq: number;
  updatedAt: string | null;
  expiringSoon: { amount: number; withinDays: number };
}

export interface ActiveGrant {
  grantId: string;
  remaining: number;
  expiresAt: string;
}

async function activeLots(redis: Redis, userId: string): Promise<{ grantId: string; remaining: number; expiresAt: number }[]> {
  const k = userKeys(userId);
  const [remaining, expiry] = await Promise.all([redis.hgetall(k.remaining), redis.hgetall(k.expiry)]);
  return Object.entries(remaining)
    .filter(([g, r]) => Number(r) > 0 && expiry[g] !== undefined)
    .map(([grantId, r]) => ({ grantId, remaining: Number(r), expiresAt: Number(expiry[grantId]) }))
    .sort((a, b) => a.expiresAt - b.expiresAt || a.grantId.localeCompare(b.grantId));
}

export async function userSeq(redis: Redis, userId: string): Promise<number> {
  return Number((await redis.hget(userKeys(userId).wallet, 'seq')) ?? 0);
}

export async function readBalance(redis: Redis, userId: string, now: number, withinDays = 30): Promise<BalanceView> {
  const [[balance, seq, updatedAt], lots] = await Promise.all([
    redis.hmget(userKeys(userId).wallet, 'balance', 'seq', 'updatedAt'),
    activeLots(redis, userId),
  ]);
  const horizon = now + withinDays * DAY;
  return {
    userId,
    balance: Number(balance ?? 0),
    seq: Number(seq ?? 0),
    updatedAt: updatedAt ? new Date(Number(updatedAt)).toISOString() : null,
    expiringSoon: { amount: lots.filter((l) => l.expiresAt <= horizon).reduce((s, l) => s + l.remaining, 0), withinDays },
  };
}

export async function readGrants(redis: Redis, userId: string): Promise<ActiveGrant[]> {
  return (await activeLots(redis, userId)).map((l) => ({ ...l, expiresAt: new Date(l.expiresAt).toISOString() }));
}

/**
 * History items older than `beforeSeq` (or the newest), newest first, as far as Redis
 * keeps them; `complete` is false when the page needs older events than Redis holds.
 */
export async function readHistory(
  redis: Redis,
  userId: string,
  beforeSeq: number | undefined,
  limit: number,
): Promise<{ items: HistoryItem[]; seq: number; oldestKept: number | null }> {
  const k = userKeys(userId);
  const seq = await userSeq(redis, userId);
  const top = beforeSeq === undefined ? seq : Math.min(seq, beforeSeq - 1); // newest seq wanted
  if (top < 1) return { items: [], seq, oldestKept: null };
  // The list holds seq, seq-1, ... contiguously: the item of seq s is at index seq - s.
  const start = seq - top;
  const raw = await redis.lrange(k.history, start, start + limit - 1);
  const items = raw.map((r) => JSON.parse(r) as HistoryItem).filter((i) => i.seq <= top);
  const len = await redis.llen(k.history);
  return { items, seq, oldestKept: len > 0 ? seq - len + 1 : null };
}
