/**
 * A projector's state in the pipeline status from the statuses its instances publish
 * (projectors/shared/status.ts), the members of its consumer group, and how its
 * committed offsets moved over the monitor's samples. Pure: the monitor gathers the
 * inputs.
 *
 * An instance is
 * - running: its status is younger than PROJECTOR_STALLED_AFTER_MS;
 * - stalled: older, and it is still a member of the group (it may hold partitions and
 *   not apply them), or membership is unknown (Kafka cannot be asked);
 * - dead: older, and not a member: its partitions went to the others. Shown until its
 *   status expires, an hour after its last publish (FORGET_AFTER_MS), or an operator
 *   forgets it;
 * - not reporting: a member of the group that publishes no status.
 *
 * The projector is running when at least one instance is, no instance that holds
 * partitions (or might) is stalled, and no partition with lag has gone without a commit
 * for PROJECTOR_STALLED_AFTER_MS (its lag is bounded); stalled otherwise, with the
 * reason; not reporting when nothing has ever published.
 */
import type { PipelineStatus, ProjectorInstance } from '../../../schemas/http-answers.ts';
import type { ProjectorStatuses, PublishedStatus } from '../../../projectors/shared/status.ts';

export type ProjectorState = PipelineStatus['projectors'][number]['state'];

/** A member of a consumer group: the instance its client id names (undefined: not one of ours) and its partitions. */
export interface GroupMember {
  instance: string | undefined;
  clientId: string;
  partitions: number[];
}

const iso = (ms: number) => new Date(ms).toISOString();

const lastEventOf = (e: PublishedStatus['lastEvent']) =>
  e ? { userId: e.userId, seq: e.seq, occurredAt: iso(e.occurredAt), appliedAt: iso(e.appliedAt) } : null;

const counters = (s: PublishedStatus | undefined) => ({
  applied: s?.applied ?? 0,
  duplicatesSkipped: s?.duplicates ?? 0,
  deadLettered: s?.deadLettered ?? 0,
  storeRetries: s?.storeRetries ?? 0,
  gapsStopped: s?.gapsStopped ?? 0,
  consumerRestarts: s?.consumerRestarts ?? 0,
});

/**
 * Every instance: those with a status, then members of the group without one (by client
 * id when it names no instance), by name. `members` null: the group could not be described.
 */
export function instancesOf(statuses: ProjectorStatuses, members: GroupMember[] | null, now: number, stalledAfterMs: number): ProjectorInstance[] {
  const out: ProjectorInstance[] = [];
  const seen = new Set<string>();
  for (const s of statuses.instances) {
    seen.add(s.instance);
    const own = members?.filter((m) => m.instance === s.instance) ?? [];
    const member = members === null ? null : own.length > 0;
    const age = s.updatedAt === null ? null : now - s.updatedAt;
    const state = age !== null && age <= stalledAfterMs ? 'running' : member === false ? 'dead' : 'stalled';
    out.push({
      instance: s.instance,
      state,
      updatedAt: s.updatedAt === null ? null : iso(s.updatedAt),
      statusAgeMs: age,
      member,
      partitions: own.flatMap((m) => m.partitions).sort((a, b) => a - b),
      lastEvent: lastEventOf(s.lastEvent),
      ...counters(s),
    });
  }
  for (const m of members ?? []) {
    const name = m.instance ?? m.clientId;
    if (seen.has(name)) continue;
    seen.add(name);
    const partitions = (members ?? [])
      .filter((x) => (x.instance ?? x.clientId) === name)
      .flatMap((x) => x.partitions)
      .sort((a, b) => a - b);
    out.push({
      instance: name,
      state: 'not reporting',
      updatedAt: null,
      statusAgeMs: null,
      member: true,
      partitions,
      lastEvent: null,
      ...counters(undefined),
    });
  }
  return out.sort((a, b) => a.instance.localeCompare(b.instance));
}

/** One sample of a partition's committed offset and lag (the monitor's history). */
export interface PartitionPoint {
  at: number;
  partitions: { partition: number; committed: number; lag: number }[];
}

/**
 * Partitions that have lag now and whose committed offset has not moved since a sample
 * at least `stalledAfterMs` old (none while the history is shorter than that).
 */
export function stuckPartitions(
  history: PartitionPoint[],
  current: PartitionPoint,
  stalledAfterMs: number,
): { partition: number; lag: number; sinceMs: number }[] {
  let base: PartitionPoint | undefined;
  for (const h of history) if (h.at <= current.at - stalledAfterMs) base = h;
  if (!base) return [];
  const out: { partition: number; lag: number; sinceMs: number }[] = [];
  for (const p of current.partitions) {
    if (p.lag <= 0) continue;
    const then = base.partitions.find((x) => x.partition === p.partition);
    if (then && then.committed === p.committed) out.push({ partition: p.partition, lag: p.lag, sinceMs: current.at - base.at });
  }
  return out;
}

/** The projector's state from its instances and stuck partitions (see the file's comment); `legacy`: the totals hash alone. */
export function projectorState(
  instances: ProjectorInstance[],
  stuck: { partition: number; lag: number; sinceMs: number }[],
  totals: PublishedStatus | null,
  now: number,
  stalledAfterMs: number,
): { state: ProjectorState; stateReason?: string } {
  const reporting = instances.filter((i) => i.updatedAt !== null);
  if (reporting.length === 0) {
    // No instance status (all forgotten, or projectors older than per-instance status): the totals' time, as before.
    if (!totals?.updatedAt) return { state: 'not reporting', stateReason: 'no instance has published a status' };
    const age = now - totals.updatedAt;
    if (age > stalledAfterMs) return { state: 'stalled', stateReason: `no instance has published a status for ${Math.round(age / 1000)} s` };
  } else if (!reporting.some((i) => i.state === 'running')) {
    const freshest = Math.min(...reporting.map((i) => i.statusAgeMs ?? Number.POSITIVE_INFINITY));
    return { state: 'stalled', stateReason: `no instance has published a status for ${Math.round(freshest / 1000)} s` };
  }
  const reasons: string[] = [];
  for (const i of instances) {
    if (i.state !== 'stalled') continue;
    if (i.member === null) reasons.push(`instance ${i.instance} last reported ${Math.round((i.statusAgeMs ?? 0) / 1000)} s ago (group membership unknown)`);
    else if (i.partitions.length > 0)
      reasons.push(`instance ${i.instance} holds partitions ${i.partitions.join(', ')} and last reported ${Math.round((i.statusAgeMs ?? 0) / 1000)} s ago`);
  }
  for (const p of stuck) reasons.push(`partition ${p.partition}: ${p.lag} messages behind, nothing committed for ${Math.round(p.sinceMs / 1000)} s`);
  return reasons.length > 0 ? { state: 'stalled', stateReason: reasons.join('; ') } : { state: 'running' };
}

/** The projector's figures over its instances: the freshest status's age and the latest applied event; counters from the totals. */
export function projectorFigures(statuses: ProjectorStatuses, now: number) {
  const updated = statuses.instances.map((i) => i.updatedAt).filter((u): u is number => u !== null);
  const updatedAt = updated.length > 0 ? Math.max(...updated) : (statuses.totals?.updatedAt ?? null);
  let last = statuses.totals?.lastEvent ?? null;
  for (const i of statuses.instances) if (i.lastEvent && (!last || i.lastEvent.appliedAt > last.appliedAt)) last = i.lastEvent;
  // The totals keep the counts of forgotten instances and restarts; without them (deleted), the instances' sum.
  const sum = (k: keyof ReturnType<typeof counters>) => statuses.instances.reduce((s, i) => s + counters(i)[k], 0);
  const c = statuses.totals
    ? counters(statuses.totals)
    : {
        applied: sum('applied'),
        duplicatesSkipped: sum('duplicatesSkipped'),
        deadLettered: sum('deadLettered'),
        storeRetries: sum('storeRetries'),
        gapsStopped: sum('gapsStopped'),
        consumerRestarts: sum('consumerRestarts'),
      };
  return {
    statusAgeMs: updatedAt === null ? null : now - updatedAt,
    lastEvent: lastEventOf(last),
    freshnessMs: last ? last.appliedAt - last.occurredAt : null,
    ...c,
  };
}
