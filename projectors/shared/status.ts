/**
 * Each projector instance publishes its progress to Redis after every batch and every
 * few seconds while its consumer is alive; GET /v1/pipeline/status, `make status`, the
 * rebuild and the chaos runs read it. Every key is a plain string (no hash tag) and
 * every command touches one key, so the same holds on Redis Cluster:
 *
 * - `ledger:projector:<name>:<instance>` (hash): one instance's status. `updatedAt` (ms
 *   since the epoch, a plain field: `redis-cli HGET <key> updatedAt`), the counters
 *   (applied, duplicates, deadLettered, storeRetries, gapsStopped, consumerRestarts) and
 *   the last event it applied (lastUserId, lastSeq, lastOccurredAt, lastAppliedAt).
 *   It expires FORGET_AFTER_MS (1 hour) after the instance's last publish.
 * - `ledger:projector:<name>:instances` (set): the index, every instance that published;
 *   an instance adds itself at every publish. A member whose hash has expired is
 *   forgotten (removed by the next publisher's prune, skipped by readers), and an
 *   operator may forget one at once (forgetInstance; a live instance adds itself again).
 * - `ledger:projector:<name>` (hash): the projector's totals, the counters of every
 *   instance added up since the hash was created (a forgotten instance's counts stay in
 *   them), and `updatedAt` and last* of the latest publish of any instance.
 *
 * Counters add up across restarts: each publish adds what happened since the previous
 * one (HINCRBY), to the instance's hash and to the totals, so an instance that was
 * killed and started again under the same name (INSTANCE_NAME) goes on counting from
 * where its hash was. What a killed process applied after its last publish is not
 * counted (one batch at most).
 */
import type { RedisClient } from '../../common/src/redis.ts';

/** The projector's totals (and, before issue 12, its only status). */
export const statusKey = (name: string) => `ledger:projector:${name}`;
/** One instance's status. */
export const instanceStatusKey = (name: string, instance: string) => `ledger:projector:${name}:${instance}`;
/** The set of instances that published a status (and are not forgotten yet). */
export const instancesKey = (name: string) => `ledger:projector:${name}:instances`;

/** An instance's status expires this long after its last publish: it is forgotten. */
export const FORGET_AFTER_MS = 3_600_000;
/** How often a publisher removes forgotten instances from the index. */
const PRUNE_EVERY_MS = 60_000;

/**
 * The Kafka client id of an instance's consumer: the pipeline status finds each
 * instance among the members of its consumer group by it (instanceOfClientId).
 */
export const consumerClientId = (name: string, instance: string) => `projector-${name}@${instance}`;

/** The instance a group member's client id names, or undefined when it is not one of `name`'s instances. */
export function instanceOfClientId(name: string, clientId: string): string | undefined {
  const prefix = `projector-${name}@`;
  return clientId.startsWith(prefix) && clientId.length > prefix.length ? clientId.slice(prefix.length) : undefined;
}

const COUNTERS = ['applied', 'duplicates', 'deadLettered', 'storeRetries', 'gapsStopped', 'consumerRestarts'] as const;
type Counters = Record<(typeof COUNTERS)[number], number>;
const zero = (): Counters => ({ applied: 0, duplicates: 0, deadLettered: 0, storeRetries: 0, gapsStopped: 0, consumerRestarts: 0 });

/** What a publish sends: the runner's counters since the process started, and its last applied event (ProjectorStats). */
export interface StatusSnapshot extends Counters {
  lastEvent?: { userId: string; seq: number; occurredAt: number; appliedAt: number };
}

/** Instance names end keys and client ids: printable, no spaces, and never the index's own name. */
const INSTANCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/;

export class StatusPublisher {
  /** The counters as last written, per hash (the instance's, the totals): a failed write is sent again. */
  private readonly published = { instance: zero(), totals: zero() };
  private lastPrune = 0;

  /** Publishes run one after the other: two at once would add the same delta twice. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: RedisClient,
    private readonly name: string,
    private readonly instance: string,
    private readonly forgetAfterMs = FORGET_AFTER_MS,
  ) {
    if (!INSTANCE_NAME.test(instance) || instance === 'instances') {
      throw new RangeError(`"${instance}" cannot name a projector instance (INSTANCE_NAME: letters, digits and _.:@-, not "instances")`);
    }
  }

  publish(s: StatusSnapshot): Promise<void> {
    const run = this.chain.then(() => this.send(s));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async send(s: StatusSnapshot): Promise<void> {
    const fields: Record<string, string> = { updatedAt: String(Date.now()) };
    if (s.lastEvent) {
      fields.lastUserId = s.lastEvent.userId;
      fields.lastSeq = String(s.lastEvent.seq);
      fields.lastOccurredAt = String(s.lastEvent.occurredAt);
      fields.lastAppliedAt = String(s.lastEvent.appliedAt);
    }
    // The instance's hash before the index: a member of the index has a hash (until it expires).
    await this.write(instanceStatusKey(this.name, this.instance), 'instance', s, fields, this.forgetAfterMs);
    await this.redis.sadd(instancesKey(this.name), this.instance);
    await this.write(statusKey(this.name), 'totals', s, fields);
    if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await pruneInstances(this.redis, this.name);
    }
  }

  /** One hash, in one transaction: the counters' deltas since its last write, the fields, the expiry. */
  private async write(key: string, which: 'instance' | 'totals', s: StatusSnapshot, fields: Record<string, string>, expireMs?: number): Promise<void> {
    const before = this.published[which];
    const now = { ...before };
    const tx = this.redis.multi();
    for (const c of COUNTERS) {
      const delta = s[c] - before[c];
      if (delta !== 0) tx.hincrby(key, c, delta);
      now[c] = s[c];
    }
    tx.hset(key, fields);
    if (expireMs !== undefined) tx.pexpire(key, expireMs);
    const results = await tx.exec();
    if (!results) throw new Error(`status of ${key} not written: transaction aborted`);
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
    this.published[which] = now;
  }
}

export interface PublishedStatus {
  applied: number;
  duplicates: number;
  deadLettered: number;
  storeRetries: number;
  gapsStopped: number;
  consumerRestarts: number;
  updatedAt: number | null;
  lastEvent: { userId: string; seq: number; occurredAt: number; appliedAt: number } | null;
}

export interface InstanceStatus extends PublishedStatus {
  instance: string;
}

export interface ProjectorStatuses {
  /** The totals hash (counters of every instance since it was created); null when there is none. */
  totals: PublishedStatus | null;
  /** Every instance of the index that still has a status, by name. */
  instances: InstanceStatus[];
}

function parse(h: Record<string, string>): PublishedStatus | null {
  if (Object.keys(h).length === 0) return null;
  const n = (k: string) => Number(h[k] ?? 0);
  return {
    applied: n('applied'),
    duplicates: n('duplicates'),
    deadLettered: n('deadLettered'),
    storeRetries: n('storeRetries'),
    gapsStopped: n('gapsStopped'),
    consumerRestarts: n('consumerRestarts'),
    updatedAt: h.updatedAt ? Number(h.updatedAt) : null,
    lastEvent: h.lastUserId ? { userId: h.lastUserId, seq: n('lastSeq'), occurredAt: n('lastOccurredAt'), appliedAt: n('lastAppliedAt') } : null,
  };
}

/** The projector's totals: counters added up over every instance and restart, the latest publish's time and event. */
export async function readStatus(redis: RedisClient, name: string): Promise<PublishedStatus | null> {
  return parse(await redis.hgetall(statusKey(name)));
}

/** The totals and the status of every instance in the index (a member whose hash expired is left out). */
export async function readProjectorStatuses(redis: RedisClient, name: string): Promise<ProjectorStatuses> {
  const [totals, members] = await Promise.all([readStatus(redis, name), redis.smembers(instancesKey(name))]);
  const instances: InstanceStatus[] = [];
  await Promise.all(
    members.map(async (instance) => {
      const s = parse(await redis.hgetall(instanceStatusKey(name, instance)));
      if (s) instances.push({ instance, ...s });
    }),
  );
  instances.sort((a, b) => a.instance.localeCompare(b.instance));
  return { totals, instances };
}

/** Removes from the index the instances whose status has expired; returns their names. */
export async function pruneInstances(redis: RedisClient, name: string): Promise<string[]> {
  const members = await redis.smembers(instancesKey(name));
  const gone: string[] = [];
  for (const instance of members) {
    if ((await redis.exists(instanceStatusKey(name, instance))) === 0) gone.push(instance);
  }
  if (gone.length > 0) await redis.srem(instancesKey(name), ...gone);
  return gone;
}

/**
 * An operator forgets an instance now (it was removed for good): its status and its
 * place in the index. The totals keep its counts. An instance that is still running
 * adds itself again at its next publish.
 */
export async function forgetInstance(redis: RedisClient, name: string, instance: string): Promise<boolean> {
  const deleted = await redis.del(instanceStatusKey(name, instance));
  const removed = await redis.srem(instancesKey(name), instance);
  return deleted + removed > 0;
}

/** Deletes every status of the projector: each indexed instance's, the index, the totals (a rebuild counts afresh). */
export async function deleteStatuses(redis: RedisClient, name: string): Promise<number> {
  const members = await redis.smembers(instancesKey(name));
  let deleted = 0;
  // One key per command: on Redis Cluster the keys are in different slots.
  for (const key of [...members.map((i) => instanceStatusKey(name, i)), instancesKey(name), statusKey(name)]) deleted += await redis.del(key);
  return deleted;
}
