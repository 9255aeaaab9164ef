/**
 * The redrive protocol between the API and the projectors, in Redis (ADR 0015). The API
 * never writes a read model: POST /v1/pipeline/dead-letters/redrive puts a request here,
 * one instance of that projector takes it, redrives, and writes the result back here,
 * which the API answers. Here in common/ because both sides use it and neither may import
 * the other (ADR 0009); the answer's shape is schemas/dead-letter-answers.ts.
 *
 * Keys of one projector (all with the hash tag {redrive:<projector>}, so one slot: the
 * scripts and MULTIs below touch several of them, also on Redis Cluster):
 * - `…:requests` (list): requests waiting, JSON RedriveRequest, oldest first.
 * - `…:lock` (string, PX LOCK_TTL_MS, refreshed while the redrive runs): the instance and
 *   token of the one redrive under way. A request is taken only while there is no lock, in
 *   the same script that sets it: two instances, or two requests, never redrive at once.
 * - `…:taken` (hash): requestId → "instance at" of the requests taken and not yet answered.
 * - `…:result:<requestId>` (string, EX RESULT_TTL_S): the result, JSON RedriveResult.
 * - `…:workers` (sorted set): instance → when it last polled (ms): who takes requests.
 * - `…:letters` (hash): "<dlqPartition>:<dlqOffset>" → JSON of what the last redrive did
 *   with that letter (applied, alreadyApplied, stillFailing + reason). A letter applied or
 *   found applied is not given again (unless asked: includeRedriven), and the list shows it.
 */
import type { RedisClient } from './redis.ts';

/** A redrive that does not refresh its lock for this long has died: the lock lapses. */
export const LOCK_TTL_MS = 30_000;
/** How long a result stays readable. */
export const RESULT_TTL_S = 3600;
/** A worker that has not polled for this long is not counted as taking requests. */
export const WORKER_ALIVE_MS = 10_000;

export interface RedriveRequest {
  requestId: string;
  projector: string;
  /** Give again also the letters an earlier redrive applied or found applied. */
  includeRedriven: boolean;
  requestedAt: string;
}

/** What the projector writes back: its answer, or why it could not redrive. */
export type RedriveResult<T> = { requestId: string; ok: true; answer: T } | { requestId: string; ok: false; error: string };

/** What the last redrive did with one letter. */
export interface LetterState {
  at: string;
  outcome: 'applied' | 'alreadyApplied' | 'stillFailing';
  reason?: string;
  requestId: string;
}

const PROJECTOR = /^[a-z0-9-]{1,40}$/;

export function redriveKeys(projector: string) {
  if (!PROJECTOR.test(projector)) throw new RangeError(`"${projector}" cannot name a projector in redrive keys`);
  const base = `ledger:dlq:{redrive:${projector}}`;
  return {
    requests: `${base}:requests`,
    lock: `${base}:lock`,
    taken: `${base}:taken`,
    workers: `${base}:workers`,
    letters: `${base}:letters`,
    result: (requestId: string) => `${base}:result:${requestId}`,
  };
}

/** The field of a letter in the letters hash. */
export const letterField = (dlqPartition: number, dlqOffset: number) => `${dlqPartition}:${dlqOffset}`;

/** A request as the API writes it, or null for anything else. */
export function parseRequest(text: string): RedriveRequest | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  const r = v as Partial<RedriveRequest> | null;
  if (!r || typeof r !== 'object' || typeof r.requestId !== 'string' || r.requestId === '' || typeof r.projector !== 'string') return null;
  if (!PROJECTOR.test(r.projector) || typeof r.requestedAt !== 'string') return null;
  return { requestId: r.requestId, projector: r.projector, includeRedriven: r.includeRedriven === true, requestedAt: r.requestedAt };
}

/** A result as the projector writes it, or null for anything else. */
export function parseResult<T>(text: string | null): RedriveResult<T> | null {
  if (text === null) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  const r = v as { requestId?: unknown; ok?: unknown; answer?: unknown; error?: unknown } | null;
  if (!r || typeof r !== 'object' || typeof r.requestId !== 'string') return null;
  if (r.ok === true && r.answer !== undefined) return { requestId: r.requestId, ok: true, answer: r.answer as T };
  if (r.ok === false && typeof r.error === 'string') return { requestId: r.requestId, ok: false, error: r.error };
  return null;
}

export function parseLetterState(text: string | null | undefined): LetterState | null {
  if (!text) return null;
  try {
    const s = JSON.parse(text) as Partial<LetterState>;
    if (typeof s.at !== 'string' || typeof s.requestId !== 'string') return null;
    if (s.outcome !== 'applied' && s.outcome !== 'alreadyApplied' && s.outcome !== 'stillFailing') return null;
    return { at: s.at, outcome: s.outcome, requestId: s.requestId, ...(typeof s.reason === 'string' ? { reason: s.reason } : {}) };
  } catch {
    return null;
  }
}

/** The letter's event is in the read model: applied by a redrive, or found there. */
export const isDone = (s: LetterState | null) => s?.outcome === 'applied' || s?.outcome === 'alreadyApplied';

/**
 * Takes the oldest request if no redrive holds the lock, and takes the lock with it:
 * KEYS requests, lock, taken; ARGV token, ttl ms, "instance at". Answers the request or nil.
 */
export const TAKE_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local r = redis.call('LPOP', KEYS[1])
if not r then return false end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
local ok, req = pcall(cjson.decode, r)
if ok and type(req) == 'table' and type(req.requestId) == 'string' then
  redis.call('HSET', KEYS[3], req.requestId, ARGV[3])
  redis.call('PEXPIRE', KEYS[3], 86400000)
end
return r
`;

/** KEYS lock; ARGV token, ttl ms: 1 when the lock is still ours (and refreshed). */
export const REFRESH_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** KEYS lock; ARGV token: deletes the lock if it is ours. */
export const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Runs a MULTI and throws the first command's error (exec reports them per command). */
async function execAll(m: ReturnType<RedisClient['multi']>): Promise<void> {
  const res = await m.exec();
  if (!res) throw new Error('Redis MULTI was discarded');
  for (const [err] of res) if (err) throw err;
}

/** The API's side. */
export const redriveClient = {
  /** Queues a request (the API); answers the exact text queued, to withdraw it. */
  async enqueue(redis: RedisClient, request: RedriveRequest): Promise<string> {
    const text = JSON.stringify(request);
    await redis.rpush(redriveKeys(request.projector).requests, text);
    return text;
  },

  /** Takes a queued request back (no projector took it in time): true when it was still queued. */
  async withdraw(redis: RedisClient, projector: string, text: string): Promise<boolean> {
    return (await redis.lrem(redriveKeys(projector).requests, 1, text)) > 0;
  },

  async result<T>(redis: RedisClient, projector: string, requestId: string): Promise<RedriveResult<T> | null> {
    return parseResult<T>(await redis.get(redriveKeys(projector).result(requestId)));
  },

  /** "instance at" of the instance that took the request and has not answered yet, or null. */
  async takenBy(redis: RedisClient, projector: string, requestId: string): Promise<string | null> {
    return redis.hget(redriveKeys(projector).taken, requestId);
  },

  /** The instances that polled for requests within WORKER_ALIVE_MS. */
  async liveWorkers(redis: RedisClient, projector: string, now: number): Promise<string[]> {
    return redis.zrangebyscore(redriveKeys(projector).workers, now - WORKER_ALIVE_MS, '+inf');
  },

  /** What the last redrive did with these letters (fields: letterField). */
  async letterStates(redis: RedisClient, projector: string, fields: string[]): Promise<Map<string, LetterState>> {
    const out = new Map<string, LetterState>();
    if (fields.length === 0) return out;
    const values = await redis.hmget(redriveKeys(projector).letters, ...fields);
    fields.forEach((f, i) => {
      const s = parseLetterState(values[i]);
      if (s) out.set(f, s);
    });
    return out;
  },
};

/** The projector's side. */
export const redriveWorkerSide = {
  /** Says this instance takes requests (every poll), and forgets instances silent for an hour. */
  async heartbeat(redis: RedisClient, projector: string, instance: string, now: number): Promise<void> {
    const k = redriveKeys(projector);
    await execAll(
      redis
        .multi()
        .zadd(k.workers, now, instance)
        .zremrangebyscore(k.workers, '-inf', now - 3_600_000),
    );
  },

  /** The oldest request with the lock, or null (none queued, or a redrive holds the lock). */
  async take(redis: RedisClient, projector: string, token: string, instance: string, now: number): Promise<string | null> {
    const k = redriveKeys(projector);
    const r = await redis.eval(TAKE_SCRIPT, 3, k.requests, k.lock, k.taken, token, String(LOCK_TTL_MS), `${instance} ${new Date(now).toISOString()}`);
    return typeof r === 'string' ? r : null;
  },

  async refresh(redis: RedisClient, projector: string, token: string): Promise<boolean> {
    return (await redis.eval(REFRESH_SCRIPT, 1, redriveKeys(projector).lock, token, String(LOCK_TTL_MS))) === 1;
  },

  async release(redis: RedisClient, projector: string, token: string): Promise<void> {
    await redis.eval(RELEASE_SCRIPT, 1, redriveKeys(projector).lock, token);
  },

  /** Writes the result and forgets that the request was taken, at once. */
  async publish<T>(redis: RedisClient, projector: string, result: RedriveResult<T>): Promise<void> {
    const k = redriveKeys(projector);
    await execAll(redis.multi().set(k.result(result.requestId), JSON.stringify(result), 'EX', RESULT_TTL_S).hdel(k.taken, result.requestId));
  },

  /** Every letter's state of this projector. */
  async allLetterStates(redis: RedisClient, projector: string): Promise<Map<string, LetterState>> {
    const all = await redis.hgetall(redriveKeys(projector).letters);
    const out = new Map<string, LetterState>();
    for (const [f, v] of Object.entries(all)) {
      const s = parseLetterState(v);
      if (s) out.set(f, s);
    }
    return out;
  },

  async writeLetterStates(redis: RedisClient, projector: string, states: Map<string, LetterState>): Promise<void> {
    if (states.size === 0) return;
    const args: string[] = [];
    for (const [f, s] of states) args.push(f, JSON.stringify(s));
    await redis.hset(redriveKeys(projector).letters, ...args);
  },
};
