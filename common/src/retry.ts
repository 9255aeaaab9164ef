/**
 * The one retry helper of the code base: exponential backoff with jitter, and a retry
 * loop around an async function. Sleeps are node:timers/promises everywhere.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface Backoff {
  /** Delay before the first retry. */
  initialMs: number;
  /** Largest delay. */
  maxMs: number;
  /** Growth per attempt (default 2; 1 keeps the delay constant). */
  factor?: number;
  /** Random spread around the delay, as a share of it (default 0.2: ±20%). */
  jitter?: number;
}

/** The delay before retry number `attempt` (0 = the first retry). */
export function backoffMs(attempt: number, b: Backoff, random: () => number = Math.random): number {
  const base = Math.min(b.maxMs, b.initialMs * (b.factor ?? 2) ** Math.min(attempt, 30));
  const jitter = b.jitter ?? 0.2;
  return Math.max(0, base * (1 - jitter + 2 * jitter * random()));
}

export interface RetryOptions extends Backoff {
  /** Retries after the first try (default: no limit). */
  retries?: number;
  /** Whether this error is worth another try (default: every error). */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Told before each wait (logging). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Stop retrying (the last error is thrown) once this says so: a shutdown. */
  stopped?: () => boolean;
}

/** Runs `fn` until it resolves, waiting with backoff between tries; throws the last error when out of tries. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      const out = attempt >= (opts.retries ?? Number.POSITIVE_INFINITY);
      if (out || opts.stopped?.() || (opts.shouldRetry && !opts.shouldRetry(e, attempt))) throw e;
      const delay = backoffMs(attempt, opts);
      opts.onRetry?.(e, attempt, delay);
      await sleep(delay);
    }
  }
}
