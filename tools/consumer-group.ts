/** Consumer groups as the rebuild sees them: who is still a member. */
import type { Admin } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** Give up after this long (a live member that nobody stopped never leaves). */
  timeoutMs: number;
  pollMs?: number;
  /** A progress line: when the members change, and every `reportEveryMs` meanwhile. */
  say: (line: string) => void;
  reportEveryMs?: number;
}

export class GroupNotEmptyError extends Error {
  constructor(
    readonly groupId: string,
    readonly members: string[],
    waitedMs: number,
  ) {
    super(
      `consumer group ${groupId} still has ${members.length} member(s) after ${Math.round(waitedMs / 1000)} s: ${members.join(', ')}. ` +
        'A killed member leaves when its session times out (10 s); one that stays is still running (an instance this stack does not control?): stop it, then rebuild again.',
    );
    this.name = 'GroupNotEmptyError';
  }
}

/** Each member as `clientId (host)`, sorted. */
export async function groupMembers(admin: Pick<Admin, 'describeGroups'>, groupId: string): Promise<string[]> {
  const { groups } = await admin.describeGroups([groupId]);
  const g = groups.find((x) => x.groupId === groupId);
  return (g?.members ?? []).map((m) => `${m.clientId} (${m.clientHost.replace(/^\//, '')})`).sort();
}

/**
 * Waits until the group has no member, saying who is left; throws GroupNotEmptyError
 * after `timeoutMs`. Answers how long it waited.
 */
export async function waitUntilGroupEmpty(admin: Pick<Admin, 'describeGroups'>, groupId: string, opts: WaitOptions): Promise<number> {
  const t0 = Date.now();
  const poll = opts.pollMs ?? 500;
  const every = opts.reportEveryMs ?? 5000;
  let said = '';
  let saidAt = 0;
  for (;;) {
    const members = await groupMembers(admin, groupId);
    const waited = Date.now() - t0;
    if (members.length === 0) {
      if (said) opts.say(`consumer group ${groupId} has no members (after ${(waited / 1000).toFixed(1)} s)`);
      return waited;
    }
    if (waited >= opts.timeoutMs) throw new GroupNotEmptyError(groupId, members, waited);
    const line = members.join(', ');
    if (line !== said || Date.now() - saidAt >= every) {
      opts.say(`waiting for ${members.length} member(s) of ${groupId} to leave (${Math.round(waited / 1000)} s): ${line}`);
      said = line;
      saidAt = Date.now();
    }
    await sleep(poll);
  }
}
