import { describe, expect, it } from 'vitest';
import type { InstanceStatus, ProjectorStatuses, PublishedStatus } from '../../../projectors/shared/status.ts';
import { instancesOf, projectorFigures, projectorState, stuckPartitions, type GroupMember } from './projector-state.ts';

const now = 1_800_000_000_000;
const STALLED = 30_000;

const status = (over: Partial<PublishedStatus> = {}): PublishedStatus => ({
  applied: 0,
  duplicates: 0,
  deadLettered: 0,
  storeRetries: 0,
  gapsStopped: 0,
  consumerRestarts: 0,
  updatedAt: now - 1000,
  lastEvent: null,
  ...over,
});
const instance = (name: string, ageMs: number, over: Partial<PublishedStatus> = {}): InstanceStatus => ({
  instance: name,
  ...status({ updatedAt: now - ageMs, ...over }),
});
const member = (instance: string, partitions: number[]): GroupMember => ({ instance, clientId: `projector-redis@${instance}`, partitions });

describe('instancesOf: each instance from its status and the group members', () => {
  it('a fresh status is running; an old one is stalled while its instance is a member, dead once it is not', () => {
    const statuses: ProjectorStatuses = {
      totals: status(),
      instances: [instance('projector-redis-1', 2000), instance('projector-redis-2', 45_000), instance('projector-redis-3', 40_000)],
    };
    const out = instancesOf(statuses, [member('projector-redis-1', [0, 2, 1]), member('projector-redis-2', [3, 4, 5])], now, STALLED);
    expect(out.map((i) => [i.instance, i.state, i.member, i.partitions, i.statusAgeMs])).toEqual([
      ['projector-redis-1', 'running', true, [0, 1, 2], 2000],
      ['projector-redis-2', 'stalled', true, [3, 4, 5], 45_000],
      ['projector-redis-3', 'dead', false, [], 40_000],
    ]);
    expect(out[0]!.updatedAt).toBe(new Date(now - 2000).toISOString());
  });

  it('without the group (Kafka unreachable) an old status is stalled, membership unknown', () => {
    const out = instancesOf({ totals: null, instances: [instance('a', 40_000)] }, null, now, STALLED);
    expect(out.map((i) => [i.state, i.member, i.partitions])).toEqual([['stalled', null, []]]);
  });

  it('a member that publishes no status is listed as not reporting, by its client id when it names no instance', () => {
    const out = instancesOf(
      { totals: null, instances: [instance('projector-redis-1', 1000)] },
      [member('projector-redis-1', [0]), { instance: undefined, clientId: 'projector-redis', partitions: [1, 2] }],
      now,
      STALLED,
    );
    expect(out.map((i) => [i.instance, i.state, i.member, i.partitions, i.updatedAt])).toEqual([
      ['projector-redis', 'not reporting', true, [1, 2], null],
      ['projector-redis-1', 'running', true, [0], new Date(now - 1000).toISOString()],
    ]);
  });
});

describe('projectorState', () => {
  const run = (
    instances: InstanceStatus[],
    members: GroupMember[] | null,
    stuck: Parameters<typeof projectorState>[1] = [],
    totals: PublishedStatus | null = status(),
  ) => projectorState(instancesOf({ totals, instances }, members, now, STALLED), stuck, totals, now, STALLED);

  it('running with one fresh instance beside a dead one (its partitions went to the other)', () => {
    expect(run([instance('a', 1000), instance('b', 50_000)], [member('a', [0, 1, 2, 3, 4, 5])])).toEqual({ state: 'running' });
  });

  it('stalled when an instance that holds partitions stopped reporting, though another runs', () => {
    const r = run([instance('a', 1000), instance('b', 50_000)], [member('a', [0, 1, 2]), member('b', [3, 4, 5])]);
    expect(r.state).toBe('stalled');
    expect(r.stateReason).toBe('instance b holds partitions 3, 4, 5 and last reported 50 s ago');
  });

  it('stalled when a partition with lag has not moved, though every instance reports (lag not bounded)', () => {
    const r = run([instance('a', 1000)], [member('a', [0, 1])], [{ partition: 1, lag: 12, sinceMs: 32_000 }]);
    expect(r).toEqual({ state: 'stalled', stateReason: 'partition 1: 12 messages behind, nothing committed for 32 s' });
  });

  it('stalled when no instance is fresh; not reporting when nothing ever published', () => {
    expect(run([instance('a', 40_000), instance('b', 70_000)], []).stateReason).toBe('no instance has published a status for 40 s');
    expect(run([], [], [], null)).toEqual({ state: 'not reporting', stateReason: 'no instance has published a status' });
  });

  it('only the totals (projectors from before per-instance status): their age decides, as before', () => {
    expect(run([], null, [], status({ updatedAt: now - 2000 })).state).toBe('running');
    expect(run([], null, [], status({ updatedAt: now - 60_000 })).state).toBe('stalled');
  });
});

describe('stuckPartitions', () => {
  const point = (at: number, parts: [number, number, number][]) => ({
    at,
    partitions: parts.map(([partition, committed, lag]) => ({ partition, committed, lag })),
  });

  it('a partition with lag whose committed offset has not moved for the limit is stuck; a moving or caught-up one is not', () => {
    const history = [
      point(now - 40_000, [
        [0, 100, 5],
        [1, 200, 0],
        [2, 50, 9],
      ]),
      point(now - 31_000, [
        [0, 100, 5],
        [1, 200, 0],
        [2, 60, 9],
      ]),
      point(now - 10_000, [
        [0, 100, 7],
        [1, 200, 0],
        [2, 80, 3],
      ]),
    ];
    const current = point(now, [
      [0, 100, 9],
      [1, 200, 0],
      [2, 90, 1],
    ]);
    expect(stuckPartitions(history, current, STALLED)).toEqual([{ partition: 0, lag: 9, sinceMs: 31_000 }]);
  });

  it('nothing is stuck while the history is shorter than the limit', () => {
    expect(stuckPartitions([point(now - 5000, [[0, 1, 5]])], point(now, [[0, 1, 5]]), STALLED)).toEqual([]);
  });
});

describe('projectorFigures', () => {
  it("counters from the totals (forgotten instances' counts stay), the freshest status's age, the latest applied event", () => {
    const f = projectorFigures(
      {
        totals: status({ applied: 100, duplicates: 7, updatedAt: now - 3000 }),
        instances: [
          instance('a', 4000, { applied: 30, lastEvent: { userId: 'u1', seq: 3, occurredAt: now - 5100, appliedAt: now - 5000 } }),
          instance('b', 1500, { applied: 20, lastEvent: { userId: 'u2', seq: 9, occurredAt: now - 2090, appliedAt: now - 2000 } }),
        ],
      },
      now,
    );
    expect(f).toMatchObject({ applied: 100, duplicatesSkipped: 7, statusAgeMs: 1500, freshnessMs: 90, lastEvent: { userId: 'u2', seq: 9 } });
  });

  it('without the totals, the sum over the instances', () => {
    expect(projectorFigures({ totals: null, instances: [instance('a', 1000, { applied: 3 }), instance('b', 1000, { applied: 4 })] }, now).applied).toBe(7);
  });
});
