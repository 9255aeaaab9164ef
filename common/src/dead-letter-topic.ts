/**
 * Reading the dead-letter topic (config.kafka.dlqTopic): what GET /v1/pipeline/dead-letters
 * lists and what a projector redrives (projectors/shared/redrive.ts). Here in common/
 * because both the API and the projectors read it, and neither may import the other
 * (ADR 0009).
 *
 * A letter is what projectors/shared/run-projector.ts (deadLetter()) wrote: the original
 * key and value of points.events and headers dlq.reason, dlq.projector, dlq.topic,
 * dlq.partition, dlq.offset (where the message was on points.events) and dlq.at.
 *
 * kafkajs has no consumer without a group (no manual assignment), so each read is a
 * consumer in a group of its own (`<clientId>-<uuid>`, one member, never shared by two
 * readers, two API instances or a projector): it never commits, it seeks every partition
 * to where the read starts each time it joins (a GROUP_JOIN listener runs before the
 * first fetch of that generation, so a rebalance, e.g. a coordinator moving to another
 * broker, resumes where the read was), and it stops at the end offsets taken by
 * admin.fetchTopicOffsets at the start of the read. The group holds no offsets, so the
 * broker forgets it once its member has left; it is also deleted at once (deleteGroups)
 * so that none stays listed. Whatever the read opens it closes, also on a timeout.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer, type IHeaders, type KafkaMessage } from 'kafkajs';
import type { StackConfig } from './config.ts';

/** One letter of the dead-letter topic. */
export interface DeadLetter {
  /** Where the letter itself is: the dead-letter topic's partition and offset. */
  dlqPartition: number;
  dlqOffset: number;
  key: string | null;
  value: Buffer | null;
  /** dlq.projector: the projector that could not apply it (redis, clickhouse); null when the header is missing. */
  projector: string | null;
  /** dlq.topic, dlq.partition, dlq.offset: where the message was on points.events. */
  topic: string | null;
  partition: number | null;
  offset: number | null;
  /** dlq.reason: why the projector could not apply it. */
  reason: string | null;
  /** dlq.at: when it was dead-lettered (ISO-8601). */
  at: string | null;
}

function header(headers: IHeaders | undefined, name: string): string | null {
  const v = headers?.[name];
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined || first === null) return null;
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

function integer(text: string | null): number | null {
  if (text === null || !/^\d{1,15}$/.test(text)) return null;
  return Number(text);
}

/** The letter a message of the dead-letter topic is (headers missing or unreadable are null). */
export function letterOf(dlqPartition: number, m: Pick<KafkaMessage, 'offset' | 'key' | 'value' | 'headers'>): DeadLetter {
  return {
    dlqPartition,
    dlqOffset: Number(m.offset),
    key: m.key === null ? null : m.key.toString('utf8'),
    value: m.value,
    projector: header(m.headers, 'dlq.projector'),
    topic: header(m.headers, 'dlq.topic'),
    partition: integer(header(m.headers, 'dlq.partition')),
    offset: integer(header(m.headers, 'dlq.offset')),
    reason: header(m.headers, 'dlq.reason'),
    at: header(m.headers, 'dlq.at'),
  };
}

export interface ReadOptions {
  /** The next offset to read per partition of the dead-letter topic; a partition not named starts at its first offset. */
  from?: ReadonlyMap<number, number>;
  /** Which letters to keep (all when absent). */
  match?: (letter: DeadLetter) => boolean;
  /** Stop reading a partition once it gave this many kept letters (no limit when absent). */
  perPartitionLimit?: number;
  /** The whole read fails after this long (default 20 s). */
  timeoutMs?: number;
}

export interface ReadResult {
  /** The kept letters in the order of the topic: by partition, then offset. */
  letters: DeadLetter[];
  /**
   * Per partition: the next offset after what was read (after the last kept letter where
   * perPartitionLimit stopped the partition, else its end at the start of the read).
   */
  positions: Map<number, number>;
  /** Per partition: whether it was read to its end (false only where perPartitionLimit stopped it). */
  exhausted: Map<number, boolean>;
}

/** Reads the dead-letter topic; one admin connection kept, one short-lived consumer per read. */
export class DeadLetterReader {
  private readonly kafka: Kafka;
  private admin?: Admin;
  readonly topic: string;

  constructor(
    config: Pick<StackConfig, 'kafka'>,
    private readonly clientId: string,
  ) {
    this.topic = config.kafka.dlqTopic;
    this.kafka = new Kafka({ clientId, brokers: config.kafka.brokers, logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 200 } });
  }

  private async getAdmin(): Promise<Admin> {
    if (!this.admin) {
      const a = this.kafka.admin();
      await a.connect();
      this.admin = a;
    }
    return this.admin;
  }

  /** Each partition's first and end offset now. */
  async bounds(): Promise<Map<number, { low: number; high: number }>> {
    try {
      const offsets = await (await this.getAdmin()).fetchTopicOffsets(this.topic);
      return new Map(offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
    } catch (e) {
      await this.dropAdmin();
      throw e;
    }
  }

  async read(opts: ReadOptions = {}): Promise<ReadResult> {
    const bounds = await this.bounds();
    const limit = opts.perPartitionLimit ?? Number.POSITIVE_INFINITY;
    const position = new Map<number, number>();
    const end = new Map<number, number>();
    const kept = new Map<number, DeadLetter[]>();
    const exhausted = new Map<number, boolean>();
    const open = new Set<number>();
    for (const [p, { low, high }] of bounds) {
      const from = Math.min(Math.max(opts.from?.get(p) ?? low, low), high);
      position.set(p, from);
      end.set(p, high);
      kept.set(p, []);
      exhausted.set(p, true);
      if (from < high && limit > 0) open.add(p);
      else if (from < high) exhausted.set(p, false);
    }
    const result = (): ReadResult => {
      const letters = [...kept.entries()].sort(([a], [b]) => a - b).flatMap(([, l]) => l);
      return { letters, positions: position, exhausted };
    };
    if (open.size > 0) await this.consume(position, end, open, kept, exhausted, limit, opts);
    return result();
  }

  private async consume(
    position: Map<number, number>,
    end: Map<number, number>,
    open: Set<number>,
    kept: Map<number, DeadLetter[]>,
    exhausted: Map<number, boolean>,
    limit: number,
    opts: ReadOptions,
  ): Promise<void> {
    const groupId = `${this.clientId}-${randomUUID()}`;
    const consumer: Consumer = this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 250,
      retry: { retries: 2, initialRetryTime: 200 },
    });
    const topic = this.topic;
    let finish!: () => void;
    let fail!: (e: unknown) => void;
    const finished = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    // Handled where it is awaited; a failure before then (a timeout while connecting) is not unhandled.
    finished.catch(() => undefined);
    const close = (p: number) => {
      open.delete(p);
      if (open.size === 0) finish();
    };
    // Every join (the first, and after a rebalance): each partition starts where the read is.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [p, at] of position) consumer.seek({ topic, partition: p, offset: String(open.has(p) ? at : end.get(p)!) });
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) fail(payload.error);
    });
    const timer = setTimeout(() => fail(new Error(`reading ${topic} took more than ${opts.timeoutMs ?? 20_000} ms`)), opts.timeoutMs ?? 20_000);
    const start = async () => {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: Math.max(1, position.size),
        eachBatch: async ({ batch }) => {
          const p = batch.partition;
          if (!open.has(p)) return;
          const stopAt = end.get(p)!;
          const list = kept.get(p)!;
          for (const m of batch.messages) {
            const offset = Number(m.offset);
            // Below the start (a rebalance that lost the seek) or read already: skip.
            if (offset < position.get(p)! || offset >= stopAt) continue;
            position.set(p, offset + 1);
            const letter = letterOf(p, m);
            if (!opts.match || opts.match(letter)) list.push(letter);
            if (list.length >= limit) {
              exhausted.set(p, offset + 1 >= stopAt);
              close(p);
              return;
            }
          }
          // An offset the topic does not hold (none here: no transactions, no compaction) still ends at the batch's end.
          if (position.get(p)! >= stopAt || Number(batch.lastOffset()) + 1 >= stopAt) {
            position.set(p, stopAt);
            close(p);
          }
        },
      });
    };
    try {
      const starting = start();
      starting.catch(() => undefined);
      await Promise.race([starting, finished]);
      await finished;
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => undefined);
      await this.getAdmin()
        .then((a) => a.deleteGroups([groupId]))
        .catch(() => undefined);
    }
  }

  private async dropAdmin(): Promise<void> {
    const a = this.admin;
    this.admin = undefined;
    await a?.disconnect().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.dropAdmin();
  }
}
