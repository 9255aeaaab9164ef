/**
 * The per-key rate limit's counters in Redis, shared by every API instance (DESIGN.md:
 * nothing that must be shared lives in one process): a store for @fastify/rate-limit, which
 * keeps answering as before (429 RATE_LIMITED, Retry-After, x-ratelimit-* headers).
 *
 * One counter per key and window: a one-key Lua script (INCR, PEXPIRE on the first request
 * of the window, else PTTL), so it runs unchanged on Redis Cluster. The window is fixed
 * and starts at the key's first request, as the plugin's in-process store counts.
 *
 * Redis down, slow or not reachable: the request is NOT limited (fail open) and a warning
 * is logged at most every WARN_EVERY_MS. Commands need MySQL only and must keep being
 * answered while the read model is down; a limit that cannot be counted is skipped rather
 * than turned into failed commands. After a failure the store does not ask Redis again
 * for SKIP_AFTER_FAILURE_MS, so an outage costs no time per request. Nothing of this needs
 * Redis at start-up.
 */
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { RedisClient } from '../../../common/src/redis.ts';

/** KEYS[1]: the counter; ARGV[1]: the window in ms. Returns {requests in the window, ms left}. */
export const RATE_LIMIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
local window = tonumber(ARGV[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], window)
  return {n, window}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], window)
  ttl = window
end
return {n, ttl}`;
const SCRIPT_SHA = createHash('sha1').update(RATE_LIMIT_SCRIPT).digest('hex');

/** Longest wait for Redis's answer before the request goes on unlimited. */
export const RATE_LIMIT_TIMEOUT_MS = 100;
const SKIP_AFTER_FAILURE_MS = 1000;
const WARN_EVERY_MS = 10_000;

export interface RateLimitStoreOptions {
  redis: RedisClient;
  /** Put before every counter's key: the API instances of one deployment share it. */
  prefix: string;
  log: FastifyBaseLogger;
  timeoutMs?: number;
  now?: () => number;
}

type Callback = (err: Error | null, result?: { current: number; ttl: number }) => void;

/** Shared by a store and its children (per-route limits): one outage, one warning. */
class Outage {
  skipUntil = 0;
  lastWarning = -Infinity;
  skipped = 0;
}

/** The class @fastify/rate-limit instantiates (`store` option); its constructor's argument (the plugin's settings) is not needed. */
export function redisRateLimitStore(opts: RateLimitStoreOptions) {
  const outage = new Outage();
  return class SharedRateLimitStore {
    readonly prefix: string;
    constructor(_settings?: unknown, prefix = opts.prefix) {
      this.prefix = prefix;
    }

    // The plugin passes the window (ms) and the limit too; its types leave them out.
    incr(key: string, cb: Callback, timeWindow = 1000): void {
      const now = (opts.now ?? Date.now)();
      if (now < outage.skipUntil) {
        this.unlimited(cb, timeWindow, now, undefined);
        return;
      }
      count(opts.redis, this.prefix + key, timeWindow, opts.timeoutMs ?? RATE_LIMIT_TIMEOUT_MS).then(
        ([current, ttl]) => cb(null, { current, ttl }),
        (e: Error) => {
          outage.skipUntil = now + SKIP_AFTER_FAILURE_MS;
          this.unlimited(cb, timeWindow, now, e);
        },
      );
    }

    /** A route of its own limit counts apart (not used today: every route has the global limit). */
    child(routeOptions: object): SharedRateLimitStore {
      // The plugin passes the route's merged settings, routeInfo among them (its types say otherwise).
      const route = (routeOptions as { routeInfo?: { method?: string; url?: string } }).routeInfo;
      return new SharedRateLimitStore(undefined, `${this.prefix}${route?.method ?? ''}${route?.url ?? ''}-`);
    }

    private unlimited(cb: Callback, timeWindow: number, now: number, e: Error | undefined): void {
      outage.skipped++;
      if (now - outage.lastWarning >= WARN_EVERY_MS) {
        opts.log.warn(
          { err: e?.message ?? 'Redis failed less than a second ago', requestsNotLimited: outage.skipped },
          'rate limit not applied: its counters in Redis are not available (requests pass unlimited)',
        );
        outage.lastWarning = now;
        outage.skipped = 0;
      }
      cb(null, { current: 0, ttl: timeWindow });
    }
  };
}

/** The request's count in its window and the ms left, or a rejection after `timeoutMs`. */
async function count(redis: RedisClient, key: string, windowMs: number, timeoutMs: number): Promise<[number, number]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([run(redis, key, windowMs), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * EVALSHA, and EVAL when the server does not have the script yet (NOSCRIPT: a new or
 * restarted server, another node of the cluster). Plain commands rather than
 * defineCommand: with auto-pipelining, a command defined after a pipeline was opened is
 * missing from it (see projectors/redis/read-model.ts).
 */
async function run(redis: RedisClient, key: string, windowMs: number): Promise<[number, number]> {
  const answer = await redis.evalsha(SCRIPT_SHA, 1, key, windowMs).catch((e: Error) => {
    if (!e.message.startsWith('NOSCRIPT')) throw e;
    return redis.eval(RATE_LIMIT_SCRIPT, 1, key, windowMs);
  });
  const [current, ttl] = answer as [number, number];
  return [current, ttl];
}
