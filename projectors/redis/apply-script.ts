/**
 * The Lua script that applies a user's events atomically: for each event, in seq
 * order, skip it when its seq is at or below the user's (a duplicate), stop at a gap,
 * else move its points between lots, set balance/seq/updatedAt and push it on the
 * history list (trimmed to the limit). model.ts's evolve() is its specification.
 *
 * Numbers travel as strings: Lua's own numbers print big integers as 1e+15.
 */
import type { PointEvent } from '../../api/src/points/types.ts';
import { historyItem } from '../shared/history-item.ts';
import { endsLot, lotChanges } from './model.ts';

export const APPLY_SCRIPT = `
local w, lr, le, h = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local limit = tonumber(ARGV[1])
local events = cjson.decode(ARGV[3])
local seq = tonumber(redis.call('HGET', w, 'seq') or '0')
local applied, dups = 0, 0
for _, e in ipairs(events) do
  if e.s <= seq then
    dups = dups + 1
  elseif e.s > seq + 1 then
    if applied > 0 then redis.call('LTRIM', h, 0, limit - 1) end
    return {applied, dups, seq + 1, e.s}
  else
    for _, c in ipairs(e.c) do
      local r = redis.call('HINCRBY', lr, c[1], c[2])
      if r <= 0 then
        redis.call('HDEL', lr, c[1])
        if e.x == 1 then redis.call('HDEL', le, c[1]) end
      end
    end
    if e.g then redis.call('HSET', le, e.g, e.e) end
    redis.call('HSET', w, 'balance', e.b, 'seq', tostring(e.s), 'updatedAt', e.t)
    redis.call('LPUSH', h, e.h)
    seq = e.s
    applied = applied + 1
  end
end
if applied > 0 then
  redis.call('LTRIM', h, 0, limit - 1)
  redis.call('HSET', w, 'projectedAt', ARGV[2])
end
return {applied, dups, 0, 0}
`;

/** An event as the script reads it. */
export function scriptEvent(e: PointEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {
    s: e.seq,
    b: String(e.balanceAfter),
    t: String(e.occurredAt),
    h: JSON.stringify(historyItem(e)),
    c: lotChanges(e).map(([g, d]) => [g, String(d)]),
    x: endsLot(e) ? 1 : 0,
  };
  if (e.type === 'POINTS_GRANTED') {
    out.g = e.grantId;
    out.e = String(e.expiresAt);
  }
  return out;
}
