/**
 * The Lua script that applies one user's events atomically: for each event, in seq order,
 * skip it when its seq is at or below the user's (a duplicate), stop at a gap, else apply
 * it: move its points between lots, keep the records of its grants, uses and holds and the
 * user's active holds, push it on the history list (trimmed to the limit), and at the end
 * set balance/held/pending/seq/updatedAt. model.ts's evolve() is its specification.
 *
 * One call serves one user, whose keys share the hash tag {userId}: one slot, as Redis
 * Cluster requires of a script (RedisStore sends the calls of a batch's users at once).
 * Every key it touches is one of its KEYS (the records of the batch's grants, uses and
 * holds too, each named once). It writes the wallet hash and the history list once, with
 * the values of the last applied event: the script runs as one step, so nobody sees the
 * steps in between.
 *
 * KEYS: wallet, remaining, expiry, history, active holds of the user (userKeys), then the
 *   records (recordKey) the events name, each once.
 * ARGV: limit, now, then the user's scriptArgs: one JSON array of its events, each
 *   [seq, "balanceAfter", "heldAfter", "pendingAfter", "occurredAt", "type code",
 *    record key index or 0, "grantId/useId/holdId" or "", "amount", "extra",
 *    hold key index (a capture) or 0, ["field", "value", ... of a new record],
 *    [grant record key index, "grantId", "signed change", ... per lot change]]
 *   ("extra": the expiry of a grant or hold, the holdId of a capture, the JSON of a
 *   cancellation), followed by one history item (JSON text) per event.
 * Returns {applied, duplicates, 1 when it stopped at a gap else 0, expected seq, got seq}.
 * Numbers travel as strings: Lua's own numbers print big integers as 1e+15.
 */
import type { EventType, PointEvent } from '../../schemas/point-event.ts';
import { historyItem } from '../shared/history-item.ts';
import { recordKey, userKeys, type RecordKind } from './keys.ts';
import { cancellationJson, createdRecord, fieldsOfGrant, fieldsOfHold, fieldsOfUse, lotChanges, newGrantRecord, newHoldRecord, newUseRecord } from './model.ts';

export const APPLY_SCRIPT = `
local w, lr, le, h, ha = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local limit = tonumber(ARGV[1])
local events = cjson.decode(ARGV[3])
local seq = tonumber(redis.call('HGET', w, 'seq') or '0')
local applied, dups = 0, 0
local gap, gapExpected, gapGot = 0, 0, 0
local last
local items = {}

-- Points of one lot change by delta (t: the event's type code). A pending lot changes
-- its record only; an active one its remaining (and expiry when it ends), and its record
-- when it has one (a lot projected before records existed has none: none is made up).
local function lot(gk, g, delta, t)
  local state = redis.call('HGET', gk, 'state')
  if state == 'PENDING' then
    local r = redis.call('HINCRBY', gk, 'remaining', delta)
    if r <= 0 then redis.call('HSET', gk, 'state', 'REVOKED') end
    return
  end
  local r = redis.call('HINCRBY', lr, g, delta)
  if r <= 0 then
    redis.call('HDEL', lr, g)
    if t == 'E' or t == 'R' then redis.call('HDEL', le, g) end
  end
  if state then
    redis.call('HINCRBY', gk, 'remaining', delta)
    local s = 'ACTIVE'
    if r <= 0 then
      if t == 'R' then s = 'REVOKED' elseif t == 'E' then s = 'EXPIRED' else s = 'SPENT' end
    end
    redis.call('HSET', gk, 'state', s)
  end
end

for j, e in ipairs(events) do
  local s = e[1]
  if gap == 1 then
    -- after a gap nothing of this user is applied or counted
  elseif s <= seq then
    dups = dups + 1
  elseif s > seq + 1 then
    gap, gapExpected, gapGot = 1, seq + 1, s
  else
    local t, rk, id, amount, extra, fields, lots = e[6], KEYS[e[7]], e[8], e[9], e[10], e[12], e[13]
    if #fields > 0 then redis.call('HSET', rk, unpack(fields)) end
    if t == 'G' then
      redis.call('HINCRBY', lr, id, amount)
      redis.call('HSET', le, id, extra)
    elseif t == 'A' then
      redis.call('HINCRBY', lr, id, amount)
      local x = redis.call('HGET', rk, 'expiresAt')
      if x then
        redis.call('HSET', le, id, x)
        redis.call('HSET', rk, 'state', 'ACTIVE')
      end
    elseif t == 'H' then
      redis.call('ZADD', ha, extra, id)
    end
    for c = 1, #lots, 3 do lot(KEYS[lots[c]], lots[c + 1], lots[c + 2], t) end
    if t == 'U' and e[11] > 0 then
      local hk = KEYS[e[11]]
      if redis.call('EXISTS', hk) == 1 then redis.call('HSET', hk, 'state', 'CAPTURED', 'captured', amount, 'useId', id) end
      redis.call('ZREM', ha, extra)
    elseif t == 'C' then
      local cur = redis.call('HGET', rk, 'cancellations')
      if cur then
        redis.call('HINCRBY', rk, 'canceled', amount)
        if cur == '[]' then cur = '[' .. extra .. ']' else cur = string.sub(cur, 1, -2) .. ',' .. extra .. ']' end
        redis.call('HSET', rk, 'cancellations', cur)
      end
    elseif t == 'L' then
      -- the rest of a partial capture is released after the capture: the hold stays CAPTURED
      if redis.call('HGET', rk, 'state') == 'ACTIVE' then redis.call('HSET', rk, 'state', 'RELEASED') end
      redis.call('ZREM', ha, id)
    end
    last = e
    items[#items + 1] = ARGV[3 + j]
    seq = s
    applied = applied + 1
  end
end
if applied > 0 then
  redis.call('HSET', w, 'balance', last[2], 'held', last[3], 'pending', last[4], 'seq', tostring(seq), 'updatedAt', last[5])
  if gap == 0 then redis.call('HSET', w, 'projectedAt', ARGV[2]) end
  local len
  for from = 1, #items, 1000 do
    len = redis.call('LPUSH', h, unpack(items, from, math.min(from + 999, #items)))
  end
  if len > limit then redis.call('LTRIM', h, 0, limit - 1) end
end
return {applied, dups, gap, gapExpected, gapGot}
`;

/** The script's code of each event type (the `t` of the Lua). */
export const TYPE_CODE: Record<EventType, string> = {
  POINTS_GRANTED: 'G',
  POINTS_GRANT_PENDING: 'P',
  POINTS_GRANT_ACTIVATED: 'A',
  POINTS_USED: 'U',
  POINTS_USE_CANCELED: 'C',
  POINTS_EXPIRED: 'E',
  POINTS_REVOKED: 'R',
  POINTS_HELD: 'H',
  POINTS_HOLD_RELEASED: 'L',
};

/** A string that JSON holds as is between quotes (no quote, backslash, control character or surrogate). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;
const jsonString = (v: string) => (PLAIN.test(v) ? `"${v}"` : JSON.stringify(v));

/** The KEYS of one user's call: the user's keys (userKeys, in order), then each record key once; index() is 1-based, as KEYS. */
export class ScriptKeys {
  readonly keys: string[];
  private readonly positions = new Map<string, number>();

  constructor(private readonly userId: string) {
    const k = userKeys(userId);
    this.keys = [k.wallet, k.remaining, k.expiry, k.history, k.holds];
  }

  record(kind: RecordKind, id: string): number {
    const key = recordKey(this.userId, kind, id);
    let i = this.positions.get(key);
    if (i === undefined) {
      this.keys.push(key);
      i = this.keys.length;
      this.positions.set(key, i);
    }
    return i;
  }
}

/** The hash fields a new record is written with (null fields left out), as a flat list. */
function newRecordFields(e: PointEvent): string[] {
  let fields: Record<string, string>;
  switch (e.type) {
    case 'POINTS_GRANTED':
    case 'POINTS_GRANT_PENDING':
      fields = fieldsOfGrant(newGrantRecord(e));
      break;
    case 'POINTS_USED':
      fields = fieldsOfUse(newUseRecord(e));
      break;
    case 'POINTS_HELD':
      fields = fieldsOfHold(newHoldRecord(e));
      break;
    default:
      return [];
  }
  return Object.entries(fields).flat();
}

/** The record an event is about (created or changed), for its key: grant, use or hold. */
function subject(e: PointEvent): { kind: RecordKind; id: string } | null {
  const created = createdRecord(e);
  if (created) return created;
  switch (e.type) {
    case 'POINTS_GRANT_ACTIVATED':
      return { kind: 'grant', id: e.grantId! };
    case 'POINTS_USE_CANCELED':
      return { kind: 'use', id: e.useId! };
    case 'POINTS_HOLD_RELEASED':
      return { kind: 'hold', id: e.holdId! };
    default:
      return null;
  }
}

function extraOf(e: PointEvent): string {
  switch (e.type) {
    case 'POINTS_GRANTED':
    case 'POINTS_HELD':
      return String(e.expiresAt);
    case 'POINTS_USED':
      return e.holdId ?? '';
    case 'POINTS_USE_CANCELED':
      return cancellationJson({ cancellationId: e.cancellationId!, amount: e.amount, occurredAt: e.occurredAt });
    default:
      return '';
  }
}

/**
 * A user's events as the script reads them (see the opening comment): one JSON argument
 * with an array per event, written directly (hot in a replay), then each event's history
 * item as its own argument. The record keys the events name are added to `keys`.
 */
export function scriptArgs(events: readonly PointEvent[], keys: ScriptKeys, out: string[]): void {
  let structure = '[';
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const code = TYPE_CODE[e.type];
    const subj = subject(e);
    const rk = subj ? keys.record(subj.kind, subj.id) : 0;
    const capture = e.type === 'POINTS_USED' && e.holdId !== null ? keys.record('hold', e.holdId) : 0;
    structure +=
      `${i === 0 ? '' : ','}[${e.seq},"${e.balanceAfter}","${e.heldAfter}","${e.pendingAfter}","${e.occurredAt}","${code}"` +
      `,${rk},${subj ? jsonString(subj.id) : '""'},"${e.amount}",${jsonString(extraOf(e))},${capture},[`;
    const fields = newRecordFields(e);
    for (let f = 0; f < fields.length; f++) structure += `${f === 0 ? '' : ','}${jsonString(fields[f]!)}`;
    structure += '],[';
    // A grant and an activation bring their lot in themselves (the script's G and A).
    const lots = code === 'G' || code === 'A' ? [] : lotChanges(e);
    for (let c = 0; c < lots.length; c++) {
      const [grantId, change] = lots[c]!;
      structure += `${c === 0 ? '' : ','}${keys.record('grant', grantId)},${jsonString(grantId)},"${change}"`;
    }
    structure += ']]';
  }
  out.push(`${structure}]`);
  for (const e of events) out.push(JSON.stringify(historyItem(e)));
}
