/** Reads of the Redis model, for the query API. */
import type { RedisClient } from '../../common/src/redis.ts';
import type { Allocation } from '../../schemas/point-event.ts';
import type { GrantAnswer, HoldAnswer, OrderAnswer, UseAnswer } from '../../schemas/lookup-answers.ts';
import { orderKey, ownerKey, parseOrderMember, recordKey, userKeys, type RecordKind } from './keys.ts';
import type { HistoryItem } from '../shared/history-item.ts';
import { isoText } from '../shared/utc-text.ts';

const DAY = 86_400_000;

export type { ActiveGrant, BalanceAnswer as BalanceView } from '../../schemas/http-answers.ts';
export type { GrantAnswer, HoldAnswer, OrderAnswer, UseAnswer } from '../../schemas/lookup-answers.ts';
export type { RecordKind } from './keys.ts';
import type { ActiveGrant, BalanceAnswer as BalanceView } from '../../schemas/http-answers.ts';

async function activeLots(redis: RedisClient, userId: string): Promise<{ grantId: string; remaining: number; expiresAt: number }[]> {
  const k = userKeys(userId);
  const [remaining, expiry] = await Promise.all([redis.hgetall(k.remaining), redis.hgetall(k.expiry)]);
  return Object.entries(remaining)
    .filter(([g, r]) => Number(r) > 0 && expiry[g] !== undefined)
    .map(([grantId, r]) => ({ grantId, remaining: Number(r), expiresAt: Number(expiry[grantId]) }))
    .sort((a, b) => a.expiresAt - b.expiresAt || a.grantId.localeCompare(b.grantId));
}

export async function userSeq(redis: RedisClient, userId: string): Promise<number> {
  return Number((await redis.hget(userKeys(userId).wallet, 'seq')) ?? 0);
}

/**
 * A balance in one round trip: the wallet hash (balance, held and pending: 0 in a wallet
 * projected before holds existed) and the points of active lots expiring by `horizon`,
 * summed in Redis (KEYS: wallet, remaining, expiry; ARGV: horizon in ms).
 */
export const BALANCE_SCRIPT = `
local w = redis.call('HMGET', KEYS[1], 'balance', 'seq', 'updatedAt', 'held', 'pending')
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
return { w[1] or '', w[2] or '', w[3] or '', soon, w[4] or '', w[5] or '' }`;

type BalanceRedis = RedisClient & {
  balanceView?: (wallet: string, remaining: string, expiry: string, horizon: number) => Promise<[string, string, string, number, string, string]>;
};

export async function readBalance(redis: RedisClient, userId: string, now: number, withinDays = 30): Promise<BalanceView> {
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
  const [balance, seq, updatedAt, soon, held, pending] = await r.balanceView!(k.wallet, k.remaining, k.expiry, now + withinDays * DAY);
  return {
    userId,
    balance: Number(balance || 0),
    held: Number(held || 0),
    pending: Number(pending || 0),
    seq: Number(seq || 0),
    updatedAt: updatedAt ? new Date(Number(updatedAt)).toISOString() : null,
    expiringSoon: { amount: Number(soon), withinDays },
  };
}

export async function readGrants(redis: RedisClient, userId: string): Promise<ActiveGrant[]> {
  return (await activeLots(redis, userId)).map((l) => ({ ...l, expiresAt: new Date(l.expiresAt).toISOString() }));
}

/**
 * History items older than `beforeSeq` (or the newest), newest first, as far as Redis
 * keeps them; `complete` is false when the page needs older events than Redis holds.
 */
export async function readHistory(
  redis: RedisClient,
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

// Lookups (API.md "Lookups"). A record is a hash of the user's (keys.ts recordKey; its
// fields: model.ts); a lookup without the user finds the owner in the owner index first.

const iso = (ms: string) => isoText(Number(ms));

function grantAnswer(userId: string, grantId: string, h: Record<string, string>): GrantAnswer | null {
  if (h.state === undefined) return null;
  const a: GrantAnswer = {
    grantId,
    userId,
    state: h.state as GrantAnswer['state'],
    amount: Number(h.amount),
    remaining: Number(h.remaining),
    expiresAt: iso(h.expiresAt!),
    reason: h.reason ?? '',
  };
  if (h.availableAt !== undefined) a.availableAt = iso(h.availableAt);
  if (h.orderId !== undefined) a.orderId = h.orderId;
  if (h.source !== undefined) a.source = h.source;
  return a;
}

function useAnswer(userId: string, useId: string, h: Record<string, string>): UseAnswer | null {
  if (h.amount === undefined) return null;
  const a: UseAnswer = {
    useId,
    userId,
    amount: Number(h.amount),
    canceled: Number(h.canceled ?? 0),
    allocations: JSON.parse(h.allocations ?? '[]') as Allocation[],
    cancellations: JSON.parse(h.cancellations ?? '[]') as UseAnswer['cancellations'],
  };
  if (h.orderId !== undefined) a.orderId = h.orderId;
  if (h.holdId !== undefined) a.holdId = h.holdId;
  return a;
}

function holdAnswer(userId: string, holdId: string, h: Record<string, string>): HoldAnswer | null {
  if (h.state === undefined) return null;
  const a: HoldAnswer = {
    holdId,
    userId,
    state: h.state as HoldAnswer['state'],
    amount: Number(h.amount),
    captured: Number(h.captured ?? 0),
    expiresAt: iso(h.expiresAt!),
  };
  if (h.orderId !== undefined) a.orderId = h.orderId;
  if (h.useId !== undefined) a.useId = h.useId;
  return a;
}

type Answer<K extends RecordKind> = K extends 'grant' ? GrantAnswer : K extends 'use' ? UseAnswer : HoldAnswer;
const ANSWER: { [K in RecordKind]: (userId: string, id: string, h: Record<string, string>) => Answer<K> | null } = {
  grant: grantAnswer,
  use: useAnswer,
  hold: holdAnswer,
};

/** A grant, use or hold of the user; null when the user's model has none of that id (yet). */
export async function readRecord<K extends RecordKind>(redis: RedisClient, kind: K, userId: string, id: string): Promise<Answer<K> | null> {
  return ANSWER[kind](userId, id, await redis.hgetall(recordKey(userId, kind, id)));
}

/** The user a grant, use or hold belongs to, from the owner index; null when the projection has not seen it. */
export async function ownerOf(redis: RedisClient, kind: RecordKind, id: string): Promise<string | null> {
  return redis.get(ownerKey(kind, id));
}

/** The user's active holds, earliest expiry first (ties: by holdId). */
export async function readActiveHolds(redis: RedisClient, userId: string): Promise<HoldAnswer[]> {
  const ids = await redis.zrange(userKeys(userId).holds, 0, -1);
  const holds = await Promise.all(ids.map((id) => readRecord(redis, 'hold', userId, id)));
  return holds.filter((h): h is HoldAnswer => h !== null);
}

/**
 * Every grant, use and hold that carries the orderId, whoever the user, each list oldest
 * first. An indexed record its user's model does not have yet (the index is written just
 * before the user's events are applied) is left out.
 */
export async function readOrder(redis: RedisClient, orderId: string): Promise<OrderAnswer> {
  const members = (await redis.smembers(orderKey(orderId))).map(parseOrderMember).filter((m) => m !== null);
  const found = await Promise.all(
    members.map(async (m) => {
      const h = await redis.hgetall(recordKey(m.userId, m.kind, m.id));
      return { ...m, at: Number(h.createdAt ?? 0), answer: ANSWER[m.kind](m.userId, m.id, h) };
    }),
  );
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  found.sort((a, b) => a.at - b.at || text(a.userId, b.userId) || text(a.id, b.id));
  const of = <K extends RecordKind>(kind: K) => found.filter((f) => f.kind === kind && f.answer !== null).map((f) => f.answer as Answer<K>);
  return { orderId, grants: of('grant'), uses: of('use'), holds: of('hold') };
}
