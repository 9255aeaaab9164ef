/**
 * The consume loop of every projector (STYLE.md §5): a kafkajs consumer group on
 * points.events, batches decoded through the registry and applied to a store.
 *
 * - A message that does not decode or break the event rules goes to the dead-letter
 *   topic with the reason in its headers; the loop goes on.
 * - A store failure (Redis or ClickHouse down) is retried with backoff, forever: the
 *   offset is committed only after the batch is applied, so nothing is lost, and the
 *   store skips what it has already applied (by seq), so nothing is applied twice.
 * - A gap in a user's seq stops that partition (paused, nothing committed) and is
 *   logged as an error: an event is missing and skipping it would hide that.
 * - A consumer that crashes and that kafkajs will not restart itself (a non-retriable
 *   error, such as "The coordinator is not aware of this member" after a broker
 *   restart) is replaced by a new consumer with backoff, logged and counted
 *   (consumerRestarts); after MAX_CONSUMER_RESTARTS failed starts in a row the process
 *   exits non-zero (onFatal), and its supervisor starts it again. Nothing is left
 *   silently dead.
 * - While the consumer is alive (it fetched or heartbeated recently), onStatus is called
 *   every few seconds even without traffic, so that a status older than
 *   PROJECTOR_STALLED_AFTER_MS means "stalled", never "idle".
 * - Several instances share the group (DESIGN.md, "Scaling past one machine"): a batch
 *   is applied, retried and committed only while its partition is still this consumer's
 *   (BatchLease). kafkajs says nothing to a batch in progress when the group rebalances:
 *   the coordinator answers its heartbeats with REBALANCE_IN_PROGRESS, and removes a
 *   member that does not rejoin within rebalanceTimeout (UNKNOWN_MEMBER_ID), giving its
 *   partitions to the others. So a batch heartbeats all along (while it decodes, while
 *   the store applies, between store retries) and rethrows the first heartbeat failure:
 *   kafkajs rejoins, and whoever owns the partition then reads it again from the
 *   committed offset. Nothing is committed after such a failure; per-user seq makes an
 *   apply that was under way harmless.
 */
import { Kafka, logLevel, type Consumer, type EachBatchPayload, type KafkaMessage, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { StackConfig } from '../../common/src/config.ts';
import type { PointEvent } from '../../schemas/point-event.ts';
import { EventDecoder, PoisonMessage } from '../../schemas/event-decoder.ts';
import { GapError } from './gap-error.ts';
import { consumerClientId } from './status.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs } from '../../common/src/retry.ts';

export interface ApplyResult {
  applied: number;
  duplicates: number;
}

export interface ProjectorStore {
  readonly name: string;
  /** Applies events in order; skips the ones at or below the user's seq; GapError on a gap. */
  apply(events: PointEvent[]): Promise<ApplyResult>;
  /**
   * Called when every batch the consume loop has in progress is waiting in apply():
   * nothing more comes until one of those calls resolves, so a store that buffers
   * should not wait for more (ClickHouseStore).
   */
  allCallersWaiting?(): void;
}

export interface ProjectorStats {
  applied: number;
  duplicates: number;
  deadLettered: number;
  storeRetries: number;
  gapsStopped: number;
  /** Consumers replaced after a crash kafkajs did not recover from. */
  consumerRestarts: number;
  lastEvent?: { userId: string; seq: number; occurredAt: number; appliedAt: number };
  /** Next offset to read per partition (what is committed). */
  positions: Map<number, bigint>;
}

export interface RunOptions {
  config: StackConfig;
  groupId: string;
  store: ProjectorStore;
  log: Logger;
  /** Called after every applied batch, and every few seconds while the consumer is alive (status, progress). */
  onBatch?: (stats: ProjectorStats) => Promise<void> | void;
  /** The consumer could not be started again after a crash: the process should exit non-zero (default). */
  onFatal?: (error: unknown) => void;
  /** Overrides config.projectors.fetchMaxBytesPerPartition. */
  maxBytesPerPartition?: number;
  /** This instance's name among the group's members (default config.instance, INSTANCE_NAME); in the consumer's client id. */
  instance?: string;
}

/** Failed consumer starts in a row after a crash before the process gives up (and is restarted). */
const MAX_CONSUMER_RESTARTS = 8;
/** Most bytes of dead letters in one produce request. */
const DLQ_SEND_BYTES = 256 * 1024;
/** A consumer that neither fetched nor heartbeated for this long is not reported alive. */
const ALIVE_WITHIN_MS = 15_000;
/** Store, registry, dead-letter and consumer retries: 200 ms doubling to 10 s, ±20%. */
const backoff = (attempt: number) => backoffMs(attempt, { initialMs: 200, maxMs: 10_000 });
/** How often a batch heartbeats while it waits (store, retries); kafkajs sends one per heartbeatInterval at most. */
const BEAT_EVERY_MS = 1000;

/**
 * A batch's hold on its partition (see the file's comment): whether it may still apply
 * and commit, and its heartbeats. The first heartbeat failure (a rebalance, an eviction,
 * an unreachable coordinator) is kept and rethrown: the batch stops, nothing is committed.
 */
export class BatchLease {
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly payload: Pick<EachBatchPayload, 'heartbeat' | 'isRunning' | 'isStale'>,
    /** False once the consumer was replaced or the runner stops. */
    private readonly current: () => boolean,
  ) {}

  /** The partition is still ours to apply: no heartbeat failed, the consumer runs, nobody sought the partition elsewhere. */
  mayApply(): boolean {
    return !this.failure && this.current() && this.payload.isRunning() && !this.payload.isStale();
  }

  /**
   * The applied batch may be committed: no heartbeat failed and nobody sought the
   * partition. A consumer that is stopping still owns its partitions until it leaves the
   * group (kafkajs waits for the batches in progress first), so its last batch commits.
   */
  mayCommit(): boolean {
    return !this.failure && !this.payload.isStale();
  }

  /** Throws the heartbeat failure, if one happened. */
  check(): void {
    if (this.failure) throw this.failure.error;
  }

  async beat(): Promise<void> {
    this.check();
    try {
      await this.payload.heartbeat();
    } catch (e) {
      this.failure ??= { error: e };
      throw e;
    }
  }

  /** Waits for `work` while heartbeating every second (a failure is kept for check()); work's own error passes through. */
  async during<T>(work: Promise<T>): Promise<T> {
    const timer = setInterval(() => void this.beat().catch(() => undefined), BEAT_EVERY_MS);
    try {
      return await work;
    } finally {
      clearInterval(timer);
    }
  }

  /** Sleeps `ms`, heartbeating every second; rethrows a heartbeat failure; ends early once the batch may not apply. */
  async sleep(ms: number): Promise<void> {
    const until = Date.now() + ms;
    for (let left = ms; left > 0 && this.mayApply(); left = until - Date.now()) {
      await sleep(Math.min(left, BEAT_EVERY_MS));
      await this.beat();
    }
  }
}

export class ProjectorRunner {
  readonly stats: ProjectorStats = { applied: 0, duplicates: 0, deadLettered: 0, storeRetries: 0, gapsStopped: 0, consumerRestarts: 0, positions: new Map() };
  private readonly kafka: Kafka;
  private consumer?: Consumer;
  private producer?: Producer;
  private readonly decoder: EventDecoder;
  private stopping = false;
  /** Batches between the start and the end of eachBatch, and how many of them wait in store.apply(). */
  private batchesInProgress = 0;
  private batchesApplying = 0;
  private waitingCheck?: NodeJS.Immediate;
  /** When the consumer last fetched, heartbeated or joined its group. */
  private lastAlive = 0;
  private statusTimer?: NodeJS.Timeout;
  private restarting = false;
  /** Partitions of the current consumer's last group join; none while it is not in the group. */
  private assigned: number[] = [];
  readonly instance: string;

  constructor(private readonly opts: RunOptions) {
    this.instance = opts.instance ?? opts.config.instance;
    this.kafka = new Kafka({
      // The pipeline status finds each instance among the group's members by it.
      clientId: consumerClientId(opts.store.name, this.instance),
      brokers: opts.config.kafka.brokers,
      logLevel: logLevel.WARN,
      retry: { retries: 1_000_000, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    this.decoder = new EventDecoder(opts.config.registry.url);
  }

  async start(): Promise<void> {
    // Dead letters are written with acks=all by an idempotent producer: acknowledged means on
    // min.insync.replicas brokers (2 of 3 in cluster), and a retried send is not written twice.
    // kafkajs' idempotence needs at most one request in flight.
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    await this.startConsumer();
    const every = Math.min(5000, Math.max(1000, Math.floor(this.opts.config.pipeline.stalledAfterMs / 4)));
    this.statusTimer = setInterval(() => {
      if (!this.stopping && !this.restarting && Date.now() - this.lastAlive < ALIVE_WITHIN_MS) void this.opts.onBatch?.(this.stats);
    }, every);
    this.statusTimer.unref();
    await this.opts.onBatch?.(this.stats);
  }

  /** The partitions of points.events this instance was given at its last group join (none while out of the group). */
  get partitions(): readonly number[] {
    return this.assigned;
  }

  private async startConsumer(): Promise<void> {
    const { config, groupId, log } = this.opts;
    const perPartition = this.opts.maxBytesPerPartition ?? config.projectors.fetchMaxBytesPerPartition;
    const consumer = this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      // A projector killed with SIGKILL stays a group member until its session times
      // out; its replacement waits for that before it gets partitions: keep it short.
      sessionTimeout: 10_000,
      rebalanceTimeout: 15_000,
      heartbeatInterval: 2_000,
      // A replay's batches: up to this much of every partition per fetch, all partitions
      // in one fetch. Live traffic does not wait for it: minBytes 1 answers a fetch as
      // soon as one new message is there (maxWaitTimeInMs is only the empty-poll timeout).
      maxBytesPerPartition: perPartition,
      maxBytes: perPartition * Math.max(config.kafka.pointsTopicPartitions, config.projectors.partitionsInFlight),
      minBytes: 1,
      maxWaitTimeInMs: 5000,
    });
    this.consumer = consumer;
    const alive = () => {
      if (this.consumer === consumer) this.lastAlive = Date.now();
    };
    for (const e of [consumer.events.FETCH_START, consumer.events.HEARTBEAT, consumer.events.GROUP_JOIN, consumer.events.START_BATCH_PROCESS]) {
      consumer.on(e, alive);
    }
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (this.consumer !== consumer) return;
      this.assigned = [...(payload.memberAssignment[config.kafka.pointsTopic] ?? [])].sort((a, b) => a - b);
      log.info(
        { instance: this.instance, memberId: payload.memberId, partitions: this.assigned },
        `joined ${groupId}: partitions [${this.assigned.join(', ')}]`,
      );
    });
    consumer.on(consumer.events.REBALANCING, () => {
      if (this.consumer !== consumer) return;
      log.info({ instance: this.instance, partitions: this.assigned }, `${groupId} rebalancing: rejoining`);
      this.assigned = [];
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.consumer !== consumer || this.stopping) return;
      if (payload.restart) {
        log.warn({ err: payload.error }, 'consumer crashed; kafkajs restarts it');
        return;
      }
      this.lastAlive = 0;
      log.error({ err: payload.error }, 'consumer crashed and kafkajs will not restart it: starting a new consumer');
      void this.replaceConsumer(consumer);
    });
    await consumer.connect();
    await consumer.subscribe({ topic: config.kafka.pointsTopic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Every partition of a fetch at once (default 6): while the first batches wait for
      // the store, the others are decoded, and a buffering store writes them together.
      partitionsConsumedConcurrently: config.projectors.partitionsInFlight,
      eachBatch: async (payload) => {
        this.batchesInProgress++;
        try {
          await this.handleBatch(consumer, payload);
        } finally {
          this.batchesInProgress--;
          this.checkAllWaiting();
        }
      },
    });
    this.lastAlive = Date.now();
    log.info({ groupId, topic: config.kafka.pointsTopic }, 'projector started');
  }

  /** A new consumer in place of a crashed one, with backoff; onFatal when it keeps failing. */
  private async replaceConsumer(crashed: Consumer): Promise<void> {
    if (this.restarting) return;
    this.restarting = true;
    const { log } = this.opts;
    try {
      await crashed.disconnect().catch(() => undefined);
      for (let attempt = 0; !this.stopping; attempt++) {
        this.stats.consumerRestarts++;
        await sleep(backoff(attempt));
        if (this.stopping) return;
        try {
          await this.startConsumer();
          log.warn({ consumerRestarts: this.stats.consumerRestarts }, 'consumer started again after a crash');
          await this.opts.onBatch?.(this.stats);
          return;
        } catch (e) {
          log.error({ err: e, attempt }, 'cannot start a new consumer');
          await this.consumer?.disconnect().catch(() => undefined);
          if (attempt + 1 >= MAX_CONSUMER_RESTARTS) {
            log.fatal({ err: e }, `consumer could not be started ${MAX_CONSUMER_RESTARTS} times in a row; exiting`);
            (this.opts.onFatal ?? (() => process.exit(1)))(e);
            return;
          }
        }
      }
    } finally {
      this.restarting = false;
    }
  }

  /** One fetched batch of one partition: decode, dead-letter the poison, apply, commit, as long as the partition is ours. */
  private async handleBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch, pause, resolveOffset } = payload;
    const lease = new BatchLease(payload, () => this.consumer === consumer && !this.stopping);
    const events: PointEvent[] = [];
    const poison: { m: KafkaMessage; reason: string }[] = [];
    let lastBeat = Date.now();
    for (const m of batch.messages) {
      // The schema is almost always known already: decode without a promise per message.
      const now = this.decoder.decodeNow(m.key === null ? null : m.key.toString('utf8'), m.value);
      if (typeof now === 'string') {
        poison.push({ m, reason: now });
        continue;
      }
      if (now) {
        events.push(now);
        continue;
      }
      const decoded = await this.decode(m, lease);
      if ('reason' in decoded) poison.push({ m, reason: decoded.reason });
      else events.push(decoded.event);
      if (!lease.mayApply()) return;
      if (Date.now() - lastBeat > BEAT_EVERY_MS) {
        await lease.beat();
        lastBeat = Date.now();
      }
    }
    if (!lease.mayApply()) return;
    // The dead letters go out while the store applies the events (each a round trip);
    // the offset is committed only once both are done.
    const deadLettered = poison.length > 0 ? this.deadLetter(batch.partition, poison, lease) : Promise.resolve(true);
    let applied: boolean;
    let sent: boolean;
    try {
      applied = await this.applyWithRetries(events, batch.partition, lease, pause);
    } finally {
      // Never rejects; it gives up once the partition is not ours.
      sent = await lease.during(deadLettered);
    }
    lease.check();
    if (!applied || !sent || !lease.mayCommit()) return;
    const next = BigInt(batch.lastOffset()) + 1n;
    // Refused (and thrown to kafkajs) when the group has moved on: a stale generation or a rebalance.
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next.toString() }]);
    // Advances kafkajs's own fetch position (eachBatchAutoResolve is off).
    resolveOffset(batch.lastOffset());
    this.stats.positions.set(batch.partition, next);
    const last = events[events.length - 1];
    if (last) this.stats.lastEvent = { userId: last.userId, seq: last.seq, occurredAt: last.occurredAt, appliedAt: Date.now() };
    await lease.beat();
    await this.opts.onBatch?.(this.stats);
  }

  /**
   * Applies the events of a batch, retrying store failures with backoff (heartbeating
   * meanwhile); false when the batch must not be committed: a gap (the partition is
   * paused), a stop, a partition sought elsewhere. A heartbeat failure (a rebalance, an
   * eviction) is thrown, so that kafkajs rejoins instead of this loop going on.
   */
  private async applyWithRetries(events: PointEvent[], partition: number, lease: BatchLease, pause: EachBatchPayload['pause']): Promise<boolean> {
    const { store, log } = this.opts;
    for (let attempt = 0; events.length > 0; attempt++) {
      lease.check();
      if (!lease.mayApply()) return false;
      let r: ApplyResult;
      try {
        r = await lease.during(this.applyToStore(events));
      } catch (e) {
        lease.check();
        if (e instanceof GapError) {
          this.stats.gapsStopped++;
          log.error({ partition, userId: e.userId, expectedSeq: e.expectedSeq, gotSeq: e.gotSeq }, `partition ${partition} stopped: ${e.message}`);
          pause();
          return false;
        }
        this.stats.storeRetries++;
        log.warn({ err: e, attempt, partition }, `${store.name} store failed; retrying`);
        await lease.sleep(backoff(attempt));
        continue;
      }
      this.stats.applied += r.applied;
      this.stats.duplicates += r.duplicates;
      if (r.duplicates > 0) log.info({ partition, duplicates: r.duplicates }, 'skipped events already applied');
      // Applied, but the group moved on meanwhile: not committed (the next owner skips these by seq).
      lease.check();
      return true;
    }
    return true;
  }

  /** store.apply(), counted, so that the store hears when every batch in progress waits on it. */
  private async applyToStore(events: PointEvent[]): Promise<ApplyResult> {
    this.batchesApplying++;
    try {
      const applying = this.opts.store.apply(events);
      this.checkAllWaiting();
      return await applying;
    } finally {
      this.batchesApplying--;
    }
  }

  /**
   * Tells the store when every batch in progress waits in apply(). Checked after the
   * current callbacks have run: a worker that just finished a batch takes the next one
   * of the fetch first, and that one will bring more.
   */
  private checkAllWaiting(): void {
    if (!this.opts.store.allCallersWaiting || this.waitingCheck) return;
    this.waitingCheck = setImmediate(() => {
      this.waitingCheck = undefined;
      if (this.batchesApplying > 0 && this.batchesApplying === this.batchesInProgress) this.opts.store.allCallersWaiting?.();
    });
  }

  /** The decoded event, or why the message is poison; registry trouble is retried while the partition is ours. */
  private async decode(m: KafkaMessage, lease: BatchLease): Promise<{ event: PointEvent } | { reason: string }> {
    const key = m.key?.toString('utf8') ?? null;
    for (let attempt = 0; ; attempt++) {
      try {
        return { event: await lease.during(this.decoder.decode(key, m.value)) };
      } catch (e) {
        if (e instanceof PoisonMessage) return { reason: e.message };
        lease.check();
        if (!lease.mayApply()) throw e;
        this.opts.log.warn({ err: e, attempt }, 'cannot decode now (schema registry?); retrying');
        await lease.sleep(backoff(attempt));
      }
    }
  }

  /**
   * One send for all poison messages of a batch, each with its reason in the headers;
   * retried while the partition is ours. True once all are sent; false when it gave up
   * (the batch is not committed). Never rejects.
   */
  private async deadLetter(partition: number, poison: { m: KafkaMessage; reason: string }[], lease: BatchLease): Promise<boolean> {
    const { config, store, log } = this.opts;
    const at = new Date().toISOString();
    const messages = poison.map(({ m, reason }) => ({
      key: m.key,
      value: m.value,
      headers: {
        ...m.headers,
        'dlq.reason': reason,
        'dlq.projector': store.name,
        'dlq.topic': config.kafka.pointsTopic,
        'dlq.partition': String(partition),
        'dlq.offset': m.offset,
        'dlq.at': at,
      },
    }));
    // A replay's batch can hold megabytes of poison: one send each DLQ_SEND_BYTES at most,
    // below the broker's limit for one request (message.max.bytes, 1 MiB by default).
    for (const chunk of chunksBySize(messages, DLQ_SEND_BYTES)) {
      for (let attempt = 0; ; attempt++) {
        if (!lease.mayApply()) return false;
        try {
          await this.producer!.send({ topic: config.kafka.dlqTopic, messages: chunk, acks: -1 });
          break;
        } catch (e) {
          log.warn({ err: e, attempt, messages: chunk.length }, 'dead-letter topic not writable; retrying');
          // No heartbeats here: the batch's apply (or the wait for this send) heartbeats.
          await sleep(backoff(attempt));
        }
      }
    }
    this.stats.deadLettered += poison.length;
    log.warn({ partition, count: poison.length, first: { offset: poison[0]!.m.offset, reason: poison[0]!.reason } }, 'messages sent to the dead-letter topic');
    return true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.statusTimer) clearInterval(this.statusTimer);
    await this.consumer?.disconnect().catch(() => undefined);
    this.assigned = [];
    await this.producer?.disconnect().catch(() => undefined);
  }
}

type DeadLetter = { key: Buffer | null; value: Buffer | null; headers: Record<string, unknown> };

/** Messages in runs of at most `maxBytes` (keys, values and header values counted); a larger message goes alone. */
export function chunksBySize<T extends DeadLetter>(messages: T[], maxBytes: number): T[][] {
  const size = (m: T) =>
    (m.key?.length ?? 0) +
    (m.value?.length ?? 0) +
    Object.entries(m.headers).reduce((s, [k, v]) => s + k.length + (v === undefined ? 0 : Buffer.byteLength(String(v))), 0);
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const m of messages) {
    const n = size(m);
    if (current.length > 0 && bytes + n > maxBytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}
