import type { Admin, GroupDescriptions, MemberDescription } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { GroupNotEmptyError, waitUntilGroupEmpty } from './consumer-group.ts';

const member = (clientId: string): MemberDescription => ({
  clientId,
  clientHost: '/127.0.0.1',
  memberId: `${clientId}-x`,
  memberMetadata: Buffer.alloc(0),
  memberAssignment: Buffer.alloc(0),
});

/** A group whose members are, call after call, the given lists (the last one repeated). */
function fakeAdmin(rounds: string[][]): Pick<Admin, 'describeGroups'> & { calls: number } {
  const admin = {
    calls: 0,
    describeGroups: async (ids: string[]): Promise<GroupDescriptions> => {
      const members = rounds[Math.min(admin.calls++, rounds.length - 1)]!;
      return {
        groups: ids.map((groupId) => ({
          groupId,
          members: members.map(member),
          protocol: 'RoundRobinAssigner',
          protocolType: 'consumer',
          state: members.length ? 'Stable' : 'Empty',
        })),
      };
    },
  };
  return admin;
}

describe('waitUntilGroupEmpty', () => {
  it('waits while killed members time out, saying who is left, and answers once none is', async () => {
    const lines: string[] = [];
    const admin = fakeAdmin([['projector-redis@projector-redis-1', 'projector-redis@projector-redis-2'], ['projector-redis@projector-redis-2'], []]);
    await waitUntilGroupEmpty(admin, 'projector-redis', { timeoutMs: 5000, pollMs: 1, say: (l) => lines.push(l) });
    expect(admin.calls).toBe(3);
    expect(lines[0]).toMatch(
      /^waiting for 2 member\(s\) of projector-redis to leave \(0 s\): projector-redis@projector-redis-1 \(127\.0\.0\.1\), projector-redis@projector-redis-2 \(127\.0\.0\.1\)$/,
    );
    expect(lines[1]).toMatch(/^waiting for 1 member\(s\) of projector-redis to leave/);
    expect(lines[2]).toMatch(/^consumer group projector-redis has no members \(after \d+\.\d s\)$/);
  });

  it('says nothing for a group that is empty already', async () => {
    const lines: string[] = [];
    await waitUntilGroupEmpty(fakeAdmin([[]]), 'g', { timeoutMs: 1000, say: (l) => lines.push(l) });
    expect(lines).toEqual([]);
  });

  it('fails with the names of the members that stay', async () => {
    const err = await waitUntilGroupEmpty(fakeAdmin([['projector-clickhouse@elsewhere-7']]), 'projector-clickhouse', {
      timeoutMs: 30,
      pollMs: 5,
      say: () => undefined,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GroupNotEmptyError);
    expect((err as Error).message).toMatch(
      /^consumer group projector-clickhouse still has 1 member\(s\) after 0 s: projector-clickhouse@elsewhere-7 \(127\.0\.0\.1\)\. /,
    );
  });
});
