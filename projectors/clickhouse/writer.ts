/**
 * The ClickHouse store of the projector runner: batched inserts into `events`.
 *
 * apply() calls (one per Kafka batch; two partitions run concurrently) are buffered
 * and written together when the buffer holds `maxEvents` events or `maxDelayMs` have
 * passed since the first buffered one, whichever comes first. An apply() promise
 * resolves only once its events are inserted, so the runner commits offsets only
 * after the rows are in ClickHouse.
 *
 * Exactly once (ADR 0005): before each INSERT the flush reads the highest seq already
 * stored for its users and keeps only each user's next events (seq-filter.ts).
 * Flushes run one at a time, so two flushes never check the same user at once.
 */
import type { Logger } from 'pino';
import { quoteList, type ClickHouse } from '../../common/src/clickhouse.ts';
import type { PointEvent } from '../../api/src/points/types.ts';
import type { ApplyResult, ProjectorStore } from '../shared/run-projector.ts';
import { toRow } from './rows.ts';
import { EVENTS_TABLE } from './schema.ts';
import { planInsert } from './seq-filter.ts';
import { inListChunks } from './sql.ts';

export interface ClickHouseStoreOptions {
  /** Flush when this many events are buffered (default 5000). */
  maxEvents?: number;
  /** Flush this long after the first buffered event at the latest (default 1000 ms). */
  maxDelayMs?: number;
  /**
   * Flush as soon as this many apply() calls are waiting: the consume loop's number of
   * partitions in flight. None of them can send more until the flush, so waiting for
   * size or time would only stall the replay.
   */
  flushWhenCallersWaiting?: number;
  log?: Logger;
}

export type FlushReason = 'size' | 'time' | 'callers' | 'manual';

export interface FlushStats {
  /** Flushes per trigger. */
  flushes: Record<FlushReason, number>;
  inserted: number;
  duplicates: number;
  failedFlushes: number;
  last?: { reason: FlushReason; events: number; inserted: number; ms: number };
}

interface Pending {
  events: PointEvent[];
  resolve: (r: ApplyResult) => void;
  reject: (e: unknown) => void;
}

export class ClickHouseStore implements ProjectorStore {
  readonly name = 'clickhouse';
  readonly stats: FlushStats = { flushes: { size: 0, time: 0, callers: 0, manual: 0 }, inserted: 0, duplicates: 0, failedFlushes: 0 };
  private readonly maxEvents: number;
  private readonly maxDelayMs: number;
  private buffer: Pending[] = [];
  private buffered = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The flush in progress and those queued behind it; never rejects. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly ch: ClickHouse, private readonly opts: ClickHouseStoreOptions = {}) {
    this.maxEvents = opts.maxEvents ?? 5000;
    this.maxDelayMs = opts.maxDelayMs ?? 1000;
    if (!(this.maxEvents >= 1) || !(this.maxDelayMs >= 0)) throw new RangeError('maxEvents must be >= 1 and maxDelayMs >= 0');
  }

  apply(events: PointEvent[]): Promise<ApplyResult> {
    if (events.length === 0) return Promise.resolve({ applied: 0, duplicates: 0 });
    return new Promise<ApplyResult>((resolve, reject) => {
      this.buffer.push({ events, resolve, reject });
      this.buffered += events.length;
      if (this.buffered >= this.maxEvents) void this.trigger('size');
      else if (this.opts.flushWhenCallersWaiting && this.buffer.length >= this.opts.flushWhenCallersWaiting) void this.trigger('callers');
      else this.timer ??= setTimeout(() => void this.trigger('time'), this.maxDelayMs);
    });
  }

  /** Writes what is buffered now and waits for every flush under way (shutdown, tests). */
  flush(): Promise<void> {
    return this.trigger('manual');
  }

  private trigger(reason: FlushReason): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.buffered = 0;
    if (batch.length > 0) this.chain = this.chain.then(() => this.write(batch, reason));
    return this.chain;
  }

  private async write(batch: Pending[], reason: FlushReason): Promise<void> {
    const started = Date.now();
    const count = batch.reduce((n, p) => n + p.events.length, 0);
    try {
      const users = [...new Set(batch.flatMap((p) => p.events.map((e) => e.userId)))];
      const maxSeq = await this.maxSeqOf(users);
      const plan = planInsert(batch.map((p) => p.events), maxSeq);
      await this.ch.insert(EVENTS_TABLE, plan.events.map(toRow));
      this.stats.flushes[reason]++;
      this.stats.inserted += plan.events.length;
      const ms = Date.now() - started;
      this.stats.last = { reason, events: count, inserted: plan.events.length, ms };
      this.opts.log?.debug({ reason, events: count, inserted: plan.events.length, ms }, 'clickhouse flush');
      batch.forEach((p, i) => {
        const o = plan.outcomes[i]!;
        this.stats.duplicates += o.duplicates;
        if (o.gap) p.reject(o.gap);
        else p.resolve({ applied: o.applied, duplicates: o.duplicates });
      });
    } catch (e) {
      this.stats.failedFlushes++;
      this.opts.log?.warn({ err: e, reason, events: count }, 'clickhouse flush failed');
      for (const p of batch) p.reject(e);
    }
  }

  /** The highest seq stored per user (users without rows are absent). */
  private async maxSeqOf(users: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const chunk of inListChunks(users)) {
      const rows = await this.ch.query<{ userId: string; maxSeq: string | number }>(
        `SELECT userId, max(seq) AS maxSeq FROM ${EVENTS_TABLE} WHERE userId IN ${quoteList(chunk)} GROUP BY userId`,
      );
      for (const r of rows) out.set(r.userId, Number(r.maxSeq));
    }
    return out;
  }
}
