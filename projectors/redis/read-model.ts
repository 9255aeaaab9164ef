/** Reads of the Redis model, for the query API. */
import type { Redis } from 'ioredis';
import { userKeys } from './keys.ts';
import type { HistoryItem } from '../shared/history-item.ts';

const DAY = 86_400_000;

export type { ActiveGrant, BalanceAnswer as BalanceView } from '../../schemas/http-answers.ts';
import type { ActiveGrant, BalanceAnswer as BalanceView } from '../../schemas/http-answers.ts';

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

/**
 * A balance in one round trip: the wallet hash and the points expiring by `horizon`,
 * summed in Redis (KEYS: wallet, remaining, expiry; ARGV: horizon in ms).
 */
export const BALANCE_SCRIPT = `
local w = redis.call('HMGET', KEYS[1], 'balance', 'seq', 'updatedAt')
local rem = redis.call('HGETALL', KEYS[2])
local horizon = tonumber(ARGV[1])
local soon = 0
for i = 1, #rem, 2 do
  local r = tonumber(rem[i + 1])
  if r > 0 then
    local e = redis.call('HGET', KEYS[3], rem[i])
    if e and tonumber(e) <= horizon then soon = soon + r end
  end
end
return { w[1] or '', w[2] or '', w[3] or '', soon }`;

type BalanceRedis = Redis & { balanceView?: (wallet: string, remaining: string, expiry: string, horizon: number) => Promise<[string, string, string, number]> };

export async function readBalance(redis: Redis, userId: string, now: number, withinDays = 30): Promise<BalanceView> {
  const r = redis as BalanceRedis;
  if (!r.balanceView) {
    r.defineCommand('balanceView', { numberOfKeys: 3, lua: BALANCE_SCRIPT });
    // With auto-pipelining, a pipeline that another command opened in this tick was made
    // before the command existed: queued on it, the call fails and ioredis then throws an
    // uncaught TypeError when that pipeline answers (which crashed the API). Once the
    // pending pipelines have been sent (they go at setImmediate), new ones carry it.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const k = userKeys(userId);
  const [balance, seq, updatedAt, soon] = await r.balanceView!(k.wallet, k.remaining, k.expiry, now + withinDays * DAY);
  return {
    userId,
    balance: Number(balance || 0),
    seq: Number(seq || 0),
    updatedAt: updatedAt ? new Date(Number(updatedAt)).toISOString() : null,
    expiringSoon: { amount: Number(soon), withinDays },
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
