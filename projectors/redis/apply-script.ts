/**
 * The Lua script that applies users' events, each user's atomically: for each event, in
 * seq order, skip it when its seq is at or below the user's (a duplicate), stop that
 * user at a gap, else move its points between lots, set balance/seq/updatedAt and push
 * it on the history list (trimmed to the limit). model.ts's evolve() is its specification.
 *
 * One call serves several users (RedisStore groups them), and per user it writes the
 * wallet hash and the history list once, with the values of the last applied event: the
 * script runs as one step, so nobody sees the steps in between.
 *
 * KEYS: wallet, remaining, expiry, history of each user (userKeys).
 * ARGV: limit, now, then per user (scriptArgs) one JSON array of its events, each
 *   [seq, "balanceAfter", "occurredAt", 1 when it ends lots (expiry/revocation) else 0,
 *    "granted lot id" or "", "its expiry" or "", then "grantId", "signed change" per lot
 *    change], followed by one history item (JSON text) per event.
 * Returns {applied, duplicates, gap user's position (1-based, 0 for none), expected seq, got seq}.
 * Numbers travel as strings: Lua's own numbers print big integers as 1e+15.
 */
import type { PointEvent } from '../../schemas/point-event.ts';
import { historyItem } from '../shared/history-item.ts';
import { endsLot, lotChanges } from './model.ts';

export const APPLY_SCRIPT = `
local limit = tonumber(ARGV[1])
local applied, dups = 0, 0
local gapUser, gapExpected, gapGot = 0, 0, 0
local a = 3
for u = 0, #KEYS / 4 - 1 do
  local w, lr, le, h = KEYS[4 * u + 1], KEYS[4 * u + 2], KEYS[4 * u + 3], KEYS[4 * u + 4]
  local events = cjson.decode(ARGV[a])
  local history = a
  a = a + 1 + #events
  local seq = tonumber(redis.call('HGET', w, 'seq') or '0')
  local done, gap = 0, false
  local balance, updatedAt
  local items = {}
  for j, e in ipairs(events) do
    local s = e[1]
    if gap then
      -- after a gap nothing of this user is applied or counted
    elseif s <= seq then
      dups = dups + 1
    elseif s > seq + 1 then
      gap = true
      if gapUser == 0 then gapUser, gapExpected, gapGot = u + 1, seq + 1, s end
    else
      for c = 7, #e, 2 do
        if redis.call('HINCRBY', lr, e[c], e[c + 1]) <= 0 then
          redis.call('HDEL', lr, e[c])
          if e[4] == 1 then redis.call('HDEL', le, e[c]) end
        end
      end
      if e[5] ~= '' then redis.call('HSET', le, e[5], e[6]) end
      balance, updatedAt = e[2], e[3]
      items[#items + 1] = ARGV[history + j]
      seq = s
      done = done + 1
    end
  end
  if done > 0 then
    if gap then
      redis.call('HSET', w, 'balance', balance, 'seq', tostring(seq), 'updatedAt', updatedAt)
    else
      redis.call('HSET', w, 'balance', balance, 'seq', tostring(seq), 'updatedAt', updatedAt, 'projectedAt', ARGV[2])
    end
    local len
    for from = 1, #items, 1000 do
      len = redis.call('LPUSH', h, unpack(items, from, math.min(from + 999, #items)))
    end
    if len > limit then redis.call('LTRIM', h, 0, limit - 1) end
  end
  applied = applied + done
end
return {applied, dups, gapUser, gapExpected, gapGot}
`;

/** A string that JSON holds as is between quotes (no quote, backslash, control character or surrogate). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;
const jsonString = (v: string) => (PLAIN.test(v) ? `"${v}"` : JSON.stringify(v));

/**
 * A user's events as the script reads them: one JSON argument with an array per event
 * [seq, "balanceAfter", "occurredAt", 1 when it ends lots else 0, "granted lot" or "",
 * "its expiry" or "", then "grantId", "signed change" per lot change], written directly
 * (hot in a replay), then each event's history item as its own argument.
 */
export function scriptArgs(events: readonly PointEvent[], out: string[]): void {
  let structure = '[';
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const grant = e.type === 'POINTS_GRANTED';
    structure += `${i === 0 ? '' : ','}[${e.seq},"${e.balanceAfter}","${e.occurredAt}",${endsLot(e) ? 1 : 0}`
      + `,${grant ? jsonString(e.grantId!) : '""'},"${grant ? e.expiresAt : ''}"`;
    for (const [grantId, change] of lotChanges(e)) structure += `,${jsonString(grantId)},"${change}"`;
    structure += ']';
  }
  out.push(`${structure}]`);
  for (const e of events) out.push(JSON.stringify(historyItem(e)));
}
