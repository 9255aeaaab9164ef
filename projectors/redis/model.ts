/**
 * The Redis read model of one user, as plain data, and the pure evolve() that the
 * Lua script (apply-script.ts) implements: the specification the script is tested
 * against (writer.int.test.ts).
 */
import type { PointEvent } from '../../schemas/point-event.ts';
import { historyItem, type HistoryItem } from '../shared/history-item.ts';

export interface UserModel {
  balance: number;
  seq: number;
  updatedAt: number | null;
  /** grantId -> points left (only lots with points left) */
  remaining: Record<string, number>;
  /** grantId -> expiry; kept while a lot can still get points back */
  expiry: Record<string, number>;
  /** newest first, at most `historyLimit` */
  history: HistoryItem[];
}

export const emptyModel = (): UserModel => ({ balance: 0, seq: 0, updatedAt: null, remaining: {}, expiry: {}, history: [] });

/** How an event moves points between lots: [grantId, signed change]. */
export function lotChanges(e: PointEvent): [string, number][] {
  switch (e.type) {
    case 'POINTS_GRANTED':
      return [[e.grantId!, e.amount]];
    case 'POINTS_USED':
      return e.allocations.map((a) => [a.grantId, -a.amount]);
    case 'POINTS_USE_CANCELED':
      return e.allocations.map((a) => [a.grantId, a.amount]);
    case 'POINTS_EXPIRED':
    case 'POINTS_REVOKED':
      return [[e.grantId!, -e.amount]];
  }
}

/** An expired or revoked lot that reaches 0 never gets points back for good: its expiry goes too. */
export const endsLot = (e: PointEvent) => e.type === 'POINTS_EXPIRED' || e.type === 'POINTS_REVOKED';

export type Applied = 'applied' | 'duplicate' | { gap: number };

/** The model after one event; events at or below the model's seq are duplicates, a skipped seq is a gap. */
export function evolve(m: UserModel, e: PointEvent, historyLimit: number): { model: UserModel; result: Applied } {
  if (e.seq <= m.seq) return { model: m, result: 'duplicate' };
  if (e.seq > m.seq + 1) return { model: m, result: { gap: m.seq + 1 } };
  const remaining = { ...m.remaining };
  const expiry = { ...m.expiry };
  for (const [grantId, change] of lotChanges(e)) {
    const r = (remaining[grantId] ?? 0) + change;
    if (r <= 0) {
      delete remaining[grantId];
      if (endsLot(e)) delete expiry[grantId];
    } else {
      remaining[grantId] = r;
    }
  }
  if (e.type === 'POINTS_GRANTED') expiry[e.grantId!] = e.expiresAt!;
  return {
    model: {
      balance: e.balanceAfter,
      seq: e.seq,
      updatedAt: e.occurredAt,
      remaining,
      expiry,
      history: [historyItem(e), ...m.history].slice(0, historyLimit),
    },
    result: 'applied',
  };
}
