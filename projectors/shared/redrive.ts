/**
 * Redrive of dead letters (ADR 0015, docs/dead-letters.md), in every projector process:
 * the projector itself gives its dead letters to its store again, after a fix (a schema
 * that was missing is registered now, a projector bug is fixed and deployed). The API
 * only queues the request and waits for the result (common/src/redrive-queue.ts): it
 * never writes a read model.
 *
 * Every POLL_MS each instance says it is there and tries to take the oldest request; the
 * take succeeds only while no redrive of this projector holds the lock, and sets it in
 * the same script, so one redrive runs at a time across all instances and all requests
 * (a second request waits in the queue and runs after). A redrive:
 *
 * 1. reads the dead-letter topic to its end (common/src/dead-letter-topic.ts) and keeps
 *    this projector's letters (header dlq.projector = store.name);
 * 2. leaves out the letters an earlier redrive applied or found applied (the letters
 *    hash; unless the request says includeRedriven): they are `skipped`;
 * 3. decodes the others with a new EventDecoder (schemas/event-decoder.ts, the one the
 *    consume loop uses; new, so that a schema registered since is asked for again); a
 *    letter that still does not decode is stillFailing with the decoder's reason;
 * 4. applies the events through the same store.apply() as the consume loop, one event
 *    per call, so that each letter's outcome is exact: applied, alreadyApplied (the seq
 *    check skipped it: at or below the user's seq) or stillFailing (GapError: beyond the
 *    user's next seq). Each user's events go in seq order, one per round; the calls of a
 *    round (different users) run at once, and a buffering store is flushed after each
 *    round (ClickHouseStore.flush), so what is reported is in the store. A store failure
 *    is retried a few times, then the redrive reports the error (the API answers 503);
 * 5. records each letter's outcome in the letters hash after each round, and writes the
 *    result for the API.
 *
 * Never twice: store.apply() applies an event only when its seq is the user's next, so a
 * redrive repeated, crashed half-way (the lock lapses after LOCK_TTL_MS, the next request
 * starts over) or running beside the consume loop (which may meet the same event on
 * points.events after a rebuild) cannot apply an event twice; `applied` counts what this
 * request applied, and a letter whose outcome was not recorded (a crash between apply
 * and record) is found alreadyApplied by the next redrive, never counted applied twice.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { StackConfig } from '../../common/src/config.ts';
import { DeadLetterReader, type DeadLetter } from '../../common/src/dead-letter-topic.ts';
import type { RedisClient } from '../../common/src/redis.ts';
import {
  isDone,
  LOCK_TTL_MS,
  letterField,
  parseRequest,
  redriveWorkerSide as side,
  type LetterState,
  type RedriveRequest,
  type RedriveResult,
} from '../../common/src/redrive-queue.ts';
import { backoffMs, retry } from '../../common/src/retry.ts';
import type { RedriveAnswer } from '../../schemas/dead-letter-answers.ts';
import { EventDecoder, PoisonMessage } from '../../schemas/event-decoder.ts';
import type { PointEvent } from '../../schemas/point-event.ts';
import { GapError } from './gap-error.ts';
import type { ProjectorStore } from './run-projector.ts';

/** How often an instance looks for a request. */
const POLL_MS = 500;
/** Store failures of one round retried this many times before the redrive gives up. */
const STORE_RETRIES = 5;
/** Registry trouble while decoding one letter retried this many times. */
const DECODE_RETRIES = 4;
/** Letters listed in appliedLetters and failures, at most. */
const LISTED = 100;
const backoff = (attempt: number) => backoffMs(attempt, { initialMs: 200, maxMs: 5000 });

export interface RedriveWorkerOptions {
  config: StackConfig;
  redis: RedisClient;
  /** The consume loop's store (the same object: a buffering store serialises its flushes). */
  store: ProjectorStore;
  log: Logger;
  /** This instance's name (default config.instance). */
  instance?: string;
  /** Writes what the store has buffered and waits for it (ClickHouseStore.flush); absent for a store that does not buffer. */
  flush?: () => Promise<void>;
}

type Outcome = { outcome: 'applied' | 'alreadyApplied' } | { outcome: 'stillFailing'; reason: string };
interface Pending {
  letter: DeadLetter;
  event: PointEvent;
}

const ref = (l: DeadLetter) => ({ dlqPartition: l.dlqPartition, dlqOffset: l.dlqOffset, key: l.key, partition: l.partition ?? -1, offset: l.offset ?? -1 });
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class RedriveWorker {
  private readonly reader: DeadLetterReader;
  private readonly instance: string;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private polling?: Promise<void>;
  private stopping = false;
  private lastPollError = 0;

  constructor(private readonly opts: RedriveWorkerOptions) {
    this.instance = opts.instance ?? opts.config.instance;
    this.reader = new DeadLetterReader(opts.config, `redrive-${opts.store.name}`);
  }

  get projector(): string {
    return this.opts.store.name;
  }

  /** Polls for requests until stop(). */
  start(): void {
    if (this.timer || this.stopping) return;
    const tick = () => {
      this.polling = this.poll().finally(() => {
        this.polling = undefined;
        if (!this.stopping) this.timer = setTimeout(tick, POLL_MS);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops polling and waits for a redrive under way to finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    // A poll under way may still take a request: it is served before the process goes.
    await this.polling;
    await this.running?.catch(() => undefined);
    await this.reader.close();
  }

  private async poll(): Promise<void> {
    const { redis, log } = this.opts;
    try {
      const now = Date.now();
      await side.heartbeat(redis, this.projector, this.instance, now);
      if (this.running || this.stopping) return;
      const token = `${this.instance}/${randomUUID()}`;
      const text = await side.take(redis, this.projector, token, this.instance, now);
      if (text === null) return;
      this.running = this.serve(text, token).finally(() => {
        this.running = undefined;
      });
    } catch (e) {
      // Redis down: the consume loop says so loudly already; once a minute here.
      if (Date.now() - this.lastPollError > 60_000) {
        this.lastPollError = Date.now();
        log.warn({ err: message(e) }, 'redrive: cannot poll for requests');
      }
    }
  }

  /** One taken request: redrive, answer, release the lock (refreshed meanwhile). */
  private async serve(text: string, token: string): Promise<void> {
    const { redis, log } = this.opts;
    const refresher = setInterval(() => {
      side
        .refresh(redis, this.projector, token)
        .then((ours) => {
          if (!ours) log.warn('redrive: the lock lapsed while this redrive ran (another may start; the seq check keeps it exact)');
        })
        .catch(() => undefined);
    }, LOCK_TTL_MS / 6);
    try {
      const request = parseRequest(text);
      if (!request) {
        log.warn({ text: text.slice(0, 200) }, 'redrive: a request that is not one; dropped');
        return;
      }
      let result: RedriveResult<RedriveAnswer>;
      try {
        result = { requestId: request.requestId, ok: true, answer: await this.redrive(request) };
      } catch (e) {
        log.error({ err: e, requestId: request.requestId }, 'redrive failed');
        result = { requestId: request.requestId, ok: false, error: message(e) };
      }
      await retry(() => side.publish(redis, this.projector, result), { initialMs: 200, maxMs: 2000, retries: 10 }).catch((e: unknown) =>
        log.error({ err: e, requestId: request.requestId }, 'redrive: cannot write the result'),
      );
    } finally {
      clearInterval(refresher);
      await side.release(redis, this.projector, token).catch(() => undefined);
    }
  }

  /** One redrive of this projector's letters (see the file's comment). */
  async redrive(request: Pick<RedriveRequest, 'requestId' | 'includeRedriven'>): Promise<RedriveAnswer> {
    const { redis, log } = this.opts;
    const started = Date.now();
    const { letters } = await this.reader.read({ match: (l) => l.projector === this.projector, timeoutMs: 60_000 });
    const states = await side.allLetterStates(redis, this.projector);
    const outcomes = new Map<DeadLetter, Outcome>();
    let skipped = 0;
    const decoder = new EventDecoder(this.opts.config.registry.url);
    const byUser = new Map<string, Pending[]>();
    for (const letter of letters) {
      if (!request.includeRedriven && isDone(states.get(letterField(letter.dlqPartition, letter.dlqOffset)) ?? null)) {
        skipped++;
        continue;
      }
      const decoded = await this.decode(decoder, letter);
      if (typeof decoded === 'string') {
        outcomes.set(letter, { outcome: 'stillFailing', reason: decoded });
        continue;
      }
      const list = byUser.get(decoded.userId);
      if (list) list.push({ letter, event: decoded });
      else byUser.set(decoded.userId, [{ letter, event: decoded }]);
    }
    await this.record(request.requestId, outcomes);
    const queues = [...byUser.values()].map((q) =>
      q.sort((a, b) => a.event.seq - b.event.seq || a.letter.dlqPartition - b.letter.dlqPartition || a.letter.dlqOffset - b.letter.dlqOffset),
    );
    for (let k = 0; ; k++) {
      const round = queues.filter((q) => q.length > k).map((q) => q[k]!);
      if (round.length === 0) break;
      const done = await this.applyRound(round);
      for (const [l, o] of done) outcomes.set(l, o);
      await this.record(request.requestId, done);
    }
    const answer: RedriveAnswer = {
      redriven: outcomes.size,
      applied: 0,
      stillFailing: 0,
      alreadyApplied: 0,
      skipped,
      requestId: request.requestId,
      projector: this.projector as RedriveAnswer['projector'],
      instance: this.instance,
      startedAt: new Date(started).toISOString(),
      tookMs: 0,
      appliedLetters: [],
      failures: [],
    };
    const inOrder = [...outcomes].sort(([a], [b]) => a.dlqPartition - b.dlqPartition || a.dlqOffset - b.dlqOffset);
    for (const [letter, o] of inOrder) {
      answer[o.outcome]++;
      if (o.outcome === 'applied' && answer.appliedLetters.length < LISTED) answer.appliedLetters.push(ref(letter));
      if (o.outcome === 'stillFailing' && answer.failures.length < LISTED) answer.failures.push({ ...ref(letter), reason: o.reason });
    }
    answer.tookMs = Date.now() - started;
    log.info(
      {
        requestId: request.requestId,
        redriven: answer.redriven,
        applied: answer.applied,
        alreadyApplied: answer.alreadyApplied,
        stillFailing: answer.stillFailing,
        skipped,
        tookMs: answer.tookMs,
      },
      `redrive of ${this.projector}'s dead letters: ${answer.applied} applied, ${answer.stillFailing} still failing`,
    );
    return answer;
  }

  /** The letter's event, or why it is still poison; registry trouble is retried, then thrown. */
  private async decode(decoder: EventDecoder, letter: DeadLetter): Promise<PointEvent | string> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await decoder.decode(letter.key, letter.value);
      } catch (e) {
        if (e instanceof PoisonMessage) return e.message;
        if (attempt >= DECODE_RETRIES) throw new Error(`cannot decode now (schema registry?): ${message(e)}`);
        await sleep(backoff(attempt));
      }
    }
  }

  /** One event per call, all at once, then a flush; store failures retried (see the file's comment). */
  private async applyRound(round: Pending[]): Promise<Map<DeadLetter, Outcome>> {
    const { store, log } = this.opts;
    const out = new Map<DeadLetter, Outcome>();
    let pending = round;
    for (let attempt = 0; ; attempt++) {
      const calls = pending.map((p) => store.apply([p.event]));
      if (this.opts.flush) await this.opts.flush();
      const settled = await Promise.allSettled(calls);
      const again: Pending[] = [];
      let failure: unknown;
      settled.forEach((s, i) => {
        const p = pending[i]!;
        if (s.status === 'fulfilled') out.set(p.letter, { outcome: s.value.applied > 0 ? 'applied' : 'alreadyApplied' });
        else if (s.reason instanceof GapError) out.set(p.letter, { outcome: 'stillFailing', reason: s.reason.message });
        else {
          again.push(p);
          failure = s.reason;
        }
      });
      if (again.length === 0) return out;
      if (attempt >= STORE_RETRIES) throw new Error(`the ${store.name} store failed ${attempt + 1} times: ${message(failure)}`);
      log.warn({ err: message(failure), attempt, events: again.length }, `redrive: ${store.name} store failed; retrying`);
      await sleep(backoff(attempt));
      pending = again;
    }
  }

  private async record(requestId: string, outcomes: Map<DeadLetter, Outcome>): Promise<void> {
    const at = new Date().toISOString();
    const states = new Map<string, LetterState>();
    for (const [l, o] of outcomes) states.set(letterField(l.dlqPartition, l.dlqOffset), { at, requestId, ...o });
    await retry(() => side.writeLetterStates(this.opts.redis, this.projector, states), { initialMs: 200, maxMs: 2000, retries: 5 });
  }
}
