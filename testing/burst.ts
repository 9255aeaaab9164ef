/**
 * Test support: a burst of realistic commands (grants, some pending, uses, holds and
 * their captures and releases, cancellations, activations, revocations in full or in
 * part) over many users, sent to the running API over HTTP, with hooks at
 * given points (to kill services in the middle). Returns what was accepted.
 */
import { randomUUID } from 'node:crypto';
import type { StackConfig } from '../common/src/config.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface BurstResult {
  sent: number;
  accepted: number;
  refused: Record<string, number>;
  failed: number;
  eventIds: string[];
  users: string[];
  seconds: number;
}

/**
 * The refusals the mix provokes by design: uses past the balance, activations of grants
 * that are already active, revocations of what is gone, captures and releases of holds
 * that lapsed or were settled. Any other code in a burst's result is a fault.
 */
export const BURST_REFUSALS = [
  'INSUFFICIENT_POINTS',
  'ALREADY_REVOKED',
  'REVOKE_EXCEEDS_REMAINING',
  'CANCEL_EXCEEDS_USE',
  'NOT_PENDING',
  'HOLD_NOT_ACTIVE',
  'CAPTURE_EXCEEDS_HOLD',
];

export interface BurstOptions {
  config: StackConfig;
  users: number;
  commands: number;
  concurrency?: number;
  /** Called once when that many commands have been sent. */
  at?: Record<number, () => Promise<void>>;
  prefix?: string;
}

export async function burst(opts: BurstOptions): Promise<BurstResult> {
  const { config } = opts;
  const url = `http://${config.api.host}:${config.api.port}`;
  const key = config.api.keys.find((k) => k.scopes.includes('points:write'))!.secret;
  const run = `${opts.prefix ?? 'burst'}-${randomUUID().slice(0, 8)}`;
  const users = Array.from({ length: opts.users }, (_, i) => `${run}-${i}`);
  const uses = new Map<string, string[]>();
  const grants = new Map<string, string[]>();
  const holds = new Map<string, string[]>();
  const result: BurstResult = { sent: 0, accepted: 0, refused: {}, failed: 0, eventIds: [], users, seconds: 0 };
  const started = Date.now();

  async function post(path: string, body: object): Promise<Record<string, unknown> | undefined> {
    const idem = randomUUID();
    // A network failure or a 503 (API or database restarting) is retried with the same
    // key, for up to 30 s as a patient client would: at most one effect. An API killed
    // under load took about 5 s to answer again in CI.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'idempotency-key': idem },
          body: JSON.stringify(body),
        });
        const json = (await res.json()) as Record<string, unknown>;
        if (res.status === 201) {
          result.accepted++;
          result.eventIds.push(json.eventId as string);
          return json;
        }
        if (res.status === 503) {
          await sleep(250);
          continue;
        }
        const code = (json.error as { code?: string } | undefined)?.code ?? String(res.status);
        result.refused[code] = (result.refused[code] ?? 0) + 1;
        return undefined;
      } catch {
        await sleep(250);
      }
    }
    result.failed++;
    return undefined;
  }

  const pending = new Set(Object.keys(opts.at ?? {}).map(Number));
  let next = 0;
  async function worker(): Promise<void> {
    for (;;) {
      const i = next++;
      if (i >= opts.commands) return;
      for (const at of [...pending]) {
        if (i >= at) {
          pending.delete(at);
          await opts.at![at]!();
        }
      }
      result.sent++;
      const userId = users[i % users.length]!;
      const r = i < users.length ? 0 : (i * 7919) % 100;
      if (r < 25) {
        // One grant in five is pending (points on an order, usable once it is confirmed).
        const pendingGrant = i % 5 === 0 ? { availableAt: new Date(Date.now() + 86_400_000).toISOString(), orderId: `o-${i}` } : {};
        const g = await post('/v1/points/grants', {
          userId,
          amount: 100 + (i % 900),
          validDays: 1 + (i % 60),
          reason: 'burst',
          source: `campaign-${i % 5}`,
          ...pendingGrant,
        });
        if (g) grants.set(userId, [...(grants.get(userId) ?? []), g.grantId as string]);
      } else if (r < 60) {
        const u = await post('/v1/points/uses', { userId, amount: 1 + (i % 250), orderId: `o-${i}` });
        if (u) uses.set(userId, [...(uses.get(userId) ?? []), u.useId as string]);
      } else if (r < 72) {
        const h = await post('/v1/points/holds', { userId, amount: 1 + (i % 200), orderId: `o-${i}`, ttlSeconds: 900 });
        if (h) holds.set(userId, [...(holds.get(userId) ?? []), h.holdId as string]);
      } else if (r < 82) {
        // Settle the oldest hold: capture it (in full, or in part: the rest is released), or release it.
        const list = holds.get(userId) ?? [];
        const holdId = list.shift();
        if (!holdId) await post('/v1/points/holds', { userId, amount: 1, ttlSeconds: 900 });
        else if (r % 3 === 2) await post(`/v1/points/holds/${holdId}/releases`, { reason: 'payment failed' });
        else {
          const c = await post(`/v1/points/holds/${holdId}/captures`, r % 3 ? {} : { amount: 1 });
          if (c) uses.set(userId, [...(uses.get(userId) ?? []), c.useId as string]);
        }
      } else if (r < 92) {
        const list = uses.get(userId) ?? [];
        const useId = list[i % Math.max(1, list.length)];
        if (useId) await post(`/v1/points/uses/${useId}/cancellations`, r % 2 ? {} : { amount: 1 + (i % 20) });
        else await post('/v1/points/uses', { userId, amount: 1 });
      } else {
        // Activate a grant (refused NOT_PENDING unless it is a pending one), or revoke all or part of one.
        const list = grants.get(userId) ?? [];
        const grantId = list[i % Math.max(1, list.length)];
        if (!grantId) continue;
        if (r < 96) await post(`/v1/points/grants/${grantId}/activations`, { reason: 'order confirmed' });
        else
          await post(`/v1/points/grants/${grantId}/revocations`, r % 2 ? { reason: 'burst revocation' } : { reason: 'partial refund', amount: 1 + (i % 50) });
      }
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency ?? 16 }, worker));
  result.seconds = (Date.now() - started) / 1000;
  return result;
}
