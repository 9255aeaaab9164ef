/**
 * The ClickHouse store of the projector runner: batched inserts into `events`.
 *
 * apply() calls (one per Kafka batch; the runner has several partitions in flight) are
 * buffered and written together as one INSERT when every batch the runner has in
 * progress waits here (allCallersWaiting()), when the buffer holds `maxEvents` events,
 * or `maxDelayMs` after the first buffered one, whichever comes first. ClickHouse pays
 * about 30 ms per INSERT (a part) on top of a few µs per row, so a replay writes a whole
 * fetch (tens of thousands of events) at once. An apply() promise resolves only once
 * its events are inserted, so the runner commits offsets only after the rows are in
 * ClickHouse.
 *
 * Exactly once (ADR 0005): before each INSERT the flush reads the highest seq already
 * stored for its users and keeps only each user's next events (seq-filter.ts).
 * Flushes run one at a time, so two flushes of one process never check the same user at
 * once.
 *
 * Cluster topology (ADR 0012): `events` is a Distributed table over the shards. Its
 * INSERT runs with insert_distributed_sync = 1, so it returns only once every shard has
 * its part of the block (one part each), and the next flush's max(seq) sees it; the
 * default would queue the block on the entry server and send it later, and a seq check
 * right after would read too little and insert a copy. A user's rows all go to one
 * shard (sharding key cityHash64(userId)), so when one shard fails mid-INSERT, each
 * user's events are in whole or not at all, and the retry's seq check keeps exactly
 * the missing ones.
 *
 * Several instances (issue 12): the store remembers no seq between flushes; every flush
 * asks ClickHouse. So an instance that owned a partition before and gets it back has no
 * stale memory of it, and the old owner of a partition still flushing a batch of it
 * beside the new owner (a rebalance) can only insert copies: each INSERT starts right
 * after a max that was stored when it was read, so the stored seqs stay 1..max without a
 * hole, and a copy has the same key (userId, seq) and content, folded by
 * ReplacingMergeTree and by FINAL in every exact read (overlap.unit.test.ts,
 * writer.int.test.ts).
 */
import type { Logger } from 'pino';
import type { ClickHouse } from '../../common/src/clickhouse.ts';
import type { PointEvent } from '../../schemas/point-event.ts';
import type { ApplyResult, ProjectorStore } from '../shared/run-projector.ts';
import { toTsvLine, TSV_COLUMNS } from './rows.ts';
import { EVENTS_TABLE } from './schema.ts';
import { planInsert } from './seq-filter.ts';
import { quotedListChunks } from './sql.ts';

export interface ClickHouseStoreOptions {
  /** Flush when this many events are buffered (default 50,000; config CLICKHOUSE_FLUSH_MAX_EVENTS). */
  maxEvents?: number;
  /** Flush this long after the first buffered event at the latest (default 1000 ms). */
  maxDelayMs?: number;
  /**
   * Flush as soon as this many apply() calls are waiting. The runner does better without
   * it: it calls allCallersWaiting() when every batch it has in progress waits here.
   */
  flushWhenCallersWaiting?: number;
  /**
   * A flush because every caller waits starts at least this long after the previous
   * flush started (default 0; config CLICKHOUSE_FLUSH_MIN_INTERVAL_MS). Under steady
   * live traffic each fetch would otherwise be an INSERT of its own, a part of its own
   * for ClickHouse to write and merge: most of ClickHouse's CPU per event.
   */
  minIntervalMs?: number;
  log?: Logger;
}

const INSERT_TSV = `INSERT INTO ${EVENTS_TABLE} (${TSV_COLUMNS.join(', ')}) FORMAT TabSeparated`;
/** cluster: the INSERT returns once every shard has its rows (and changes nothing in single). */
export const INSERT_SETTINGS = { insert_distributed_sync: 1 } as const;

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
  private readonly minIntervalMs: number;
  private lastFlushAt = 0;
  /** The flush in progress and those queued behind it; never rejects. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly ch: ClickHouse,
    private readonly opts: ClickHouseStoreOptions = {},
  ) {
    this.maxEvents = opts.maxEvents ?? 50_000;
    this.maxDelayMs = opts.maxDelayMs ?? 1000;
    this.minIntervalMs = opts.minIntervalMs ?? 0;
    if (!(this.maxEvents >= 1) || !(this.maxDelayMs >= 0) || !(this.minIntervalMs >= 0)) {
      throw new RangeError('maxEvents must be >= 1, maxDelayMs and minIntervalMs >= 0');
    }
  }

  apply(events: PointEvent[]): Promise<ApplyResult> {
    if (events.length === 0) return Promise.resolve({ applied: 0, duplicates: 0 });
    return new Promise<ApplyResult>((resolve, reject) => {
      this.buffer.push({ events, resolve, reject });
      this.buffered += events.length;
      if (this.buffered >= this.maxEvents) void this.trigger('size');
      else if (this.opts.flushWhenCallersWaiting && this.buffer.length >= this.opts.flushWhenCallersWaiting) this.callersWaiting();
      else this.timer ??= setTimeout(() => void this.trigger('time'), this.maxDelayMs);
    });
  }

  /**
   * The runner's hint: every batch it has in progress waits in apply(), so nothing more
   * comes until a flush: write now. Waiting for size or time would only add latency (a
   * replay's round of batches, a live event alike); the flush holds all of them.
   */
  allCallersWaiting(): void {
    if (this.buffer.length > 0) this.callersWaiting();
  }

  /** Flush for waiting callers now, or when the minimum interval since the last flush is over. */
  private callersWaiting(): void {
    const wait = this.lastFlushAt + this.minIntervalMs - Date.now();
    if (wait <= 0) {
      void this.trigger('callers');
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.trigger('callers'), wait);
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
    if (batch.length > 0) this.lastFlushAt = Date.now();
    if (batch.length > 0) this.chain = this.chain.then(() => this.write(batch, reason));
    return this.chain;
  }

  private async write(batch: Pending[], reason: FlushReason): Promise<void> {
    const started = Date.now();
    let count = 0;
    for (const p of batch) count += p.events.length;
    try {
      const users = new Set<string>();
      for (const p of batch) for (const e of p.events) users.add(e.userId);
      const maxSeq = await this.maxSeqOf(users);
      const plan = planInsert(
        batch.map((p) => p.events),
        maxSeq,
      );
      // One INSERT, one block (ADR 0005). TabSeparated: half the bytes of JSONEachRow
      // to build and to parse; the rows follow the statement in the request body.
      if (plan.events.length > 0) await this.ch.exec(`${INSERT_TSV}\n${plan.events.map(toTsvLine).join('\n')}\n`, INSERT_SETTINGS);
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
  private async maxSeqOf(users: Iterable<string>): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    // The users as one array literal behind a subquery, not a list of literals: 18.16
    // parses and builds the set of thousands of users about 2.5 times faster this way,
    // and the set still serves the primary key (a few users read a few granules).
    // Pieces stay under 18.16's max_query_size (256 KiB).
    for (const list of quotedListChunks(users)) {
      const rows = await this.ch.query<{ userId: string; maxSeq: string | number }>(
        `SELECT userId, max(seq) AS maxSeq FROM ${EVENTS_TABLE} WHERE userId IN (SELECT arrayJoin([${list}])) GROUP BY userId`,
      );
      for (const r of rows) out.set(r.userId, Number(r.maxSeq));
    }
    return out;
  }
}
