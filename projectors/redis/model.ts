/**
 * The Redis read model of one user, as plain data, and the pure evolve() that the
 * Lua script (apply-script.ts) implements: the specification the script is tested
 * against (writer.int.test.ts, which compares Redis with redisImage()).
 *
 * Besides the wallet, the active lots and the history, the model keeps a record per
 * grant, use and hold (the lookups of API.md), and the user's active holds. The owner
 * and order indexes are not part of it: they live in other slots and are written apart,
 * before the user's script (indexEntries).
 */
import type { Allocation, PointEvent } from '../../schemas/point-event.ts';
import { historyItem, type HistoryItem } from '../shared/history-item.ts';
import { isoText } from '../shared/utc-text.ts';
import { orderKey, orderMember, ownerKey, recordKey, userKeys, type RecordKind } from './keys.ts';

export type GrantState = 'PENDING' | 'ACTIVE' | 'SPENT' | 'EXPIRED' | 'REVOKED';
export type HoldState = 'ACTIVE' | 'CAPTURED' | 'RELEASED';

export interface GrantRecord {
  state: GrantState;
  amount: number;
  /** Points left: of the pending lot while PENDING, of the active lot after. */
  remaining: number;
  expiresAt: number;
  availableAt: number | null;
  orderId: string | null;
  reason: string | null;
  source: string | null;
  /** occurredAt of the grant event. */
  createdAt: number;
}

export interface Cancellation {
  cancellationId: string;
  amount: number;
  occurredAt: number;
}

export interface UseRecord {
  amount: number;
  /** Σ of its cancellations. */
  canceled: number;
  orderId: string | null;
  holdId: string | null;
  allocations: Allocation[];
  cancellations: Cancellation[];
  createdAt: number;
}

export interface HoldRecord {
  state: HoldState;
  amount: number;
  captured: number;
  expiresAt: number;
  orderId: string | null;
  useId: string | null;
  createdAt: number;
}

export interface UserModel {
  balance: number;
  held: number;
  pending: number;
  seq: number;
  updatedAt: number | null;
  /** grantId -> points left (only active lots with points left) */
  remaining: Record<string, number>;
  /** grantId -> expiry; active lots, kept while a lot can still get points back */
  expiry: Record<string, number>;
  /** newest first, at most `historyLimit` */
  history: HistoryItem[];
  grants: Record<string, GrantRecord>;
  uses: Record<string, UseRecord>;
  holds: Record<string, HoldRecord>;
  /** holdId -> its expiry: the holds that are ACTIVE */
  activeHolds: Record<string, number>;
}

export const emptyModel = (): UserModel => ({
  balance: 0,
  held: 0,
  pending: 0,
  seq: 0,
  updatedAt: null,
  remaining: {},
  expiry: {},
  history: [],
  grants: {},
  uses: {},
  holds: {},
  activeHolds: {},
});

/**
 * How an event moves points of lots: [grantId, signed change]. A grant and an
 * activation bring their lot in (no change of a record: it already holds the points);
 * a hold's capture moves none (the hold took them); a revocation may hit a pending lot
 * (evolve then changes its record only).
 */
export function lotChanges(e: PointEvent): [string, number][] {
  switch (e.type) {
    case 'POINTS_GRANTED':
    case 'POINTS_GRANT_ACTIVATED':
      return [[e.grantId!, e.amount]];
    case 'POINTS_GRANT_PENDING':
      return [];
    case 'POINTS_USED':
      return e.holdId !== null ? [] : e.allocations.map((a) => [a.grantId, -a.amount]);
    case 'POINTS_HELD':
      return e.allocations.map((a) => [a.grantId, -a.amount]);
    case 'POINTS_USE_CANCELED':
    case 'POINTS_HOLD_RELEASED':
      return e.allocations.map((a) => [a.grantId, a.amount]);
    case 'POINTS_EXPIRED':
    case 'POINTS_REVOKED':
      return [[e.grantId!, -e.amount]];
  }
}

/** An expired or revoked lot that reaches 0 never gets points back for good: its expiry goes too. */
export const endsLot = (e: PointEvent) => e.type === 'POINTS_EXPIRED' || e.type === 'POINTS_REVOKED';

/** The state of a lot that a use, hold, expiry or revocation took to `remaining` (cancellations and releases give back: ACTIVE). */
function stateAfter(e: PointEvent, remaining: number): GrantState {
  if (remaining > 0) return 'ACTIVE';
  if (e.type === 'POINTS_REVOKED') return 'REVOKED';
  if (e.type === 'POINTS_EXPIRED') return 'EXPIRED';
  return 'SPENT';
}

/** The JSON text of one cancellation, as the use record's list holds it (built here, appended by the script). */
export const cancellationJson = (c: Cancellation) => JSON.stringify({ cancellationId: c.cancellationId, amount: c.amount, occurredAt: isoText(c.occurredAt) });

/** The JSON text of allocations as a use record holds them. */
export const allocationsJson = (allocations: readonly Allocation[]) => JSON.stringify(allocations.map((a) => ({ grantId: a.grantId, amount: a.amount })));

/** The record a grant event (GRANTED: active, GRANT_PENDING: pending) creates. */
export function newGrantRecord(e: PointEvent): GrantRecord {
  return {
    state: e.type === 'POINTS_GRANTED' ? 'ACTIVE' : 'PENDING',
    amount: e.amount,
    remaining: e.amount,
    expiresAt: e.expiresAt!,
    availableAt: e.availableAt,
    orderId: e.orderId,
    reason: e.reason,
    source: e.source,
    createdAt: e.occurredAt,
  };
}

/** The record a USED event creates. */
export function newUseRecord(e: PointEvent): UseRecord {
  return {
    amount: e.amount,
    canceled: 0,
    orderId: e.orderId,
    holdId: e.holdId,
    allocations: e.allocations.map((a) => ({ grantId: a.grantId, amount: a.amount })),
    cancellations: [],
    createdAt: e.occurredAt,
  };
}

/** The record a HELD event creates. */
export function newHoldRecord(e: PointEvent): HoldRecord {
  return { state: 'ACTIVE', amount: e.amount, captured: 0, expiresAt: e.expiresAt!, orderId: e.orderId, useId: null, createdAt: e.occurredAt };
}

export type Applied = 'applied' | 'duplicate' | { gap: number };

/** The model after one event; events at or below the model's seq are duplicates, a skipped seq is a gap. */
export function evolve(m: UserModel, e: PointEvent, historyLimit: number): { model: UserModel; result: Applied } {
  if (e.seq <= m.seq) return { model: m, result: 'duplicate' };
  if (e.seq > m.seq + 1) return { model: m, result: { gap: m.seq + 1 } };
  const remaining = { ...m.remaining };
  const expiry = { ...m.expiry };
  const grants = { ...m.grants };
  const uses = { ...m.uses };
  const holds = { ...m.holds };
  const activeHolds = { ...m.activeHolds };

  // The records an event creates.
  if (e.type === 'POINTS_GRANTED' || e.type === 'POINTS_GRANT_PENDING') {
    grants[e.grantId!] = newGrantRecord(e);
  } else if (e.type === 'POINTS_USED') {
    uses[e.useId!] = newUseRecord(e);
  } else if (e.type === 'POINTS_HELD') {
    holds[e.holdId!] = newHoldRecord(e);
    activeHolds[e.holdId!] = e.expiresAt!;
  }

  // The lots. A lot without a record was projected before records existed (version 1 of
  // the model): it is an active lot, and no record is made up for it.
  const bringsIn = e.type === 'POINTS_GRANTED' || e.type === 'POINTS_GRANT_ACTIVATED';
  for (const [grantId, change] of lotChanges(e)) {
    const g = grants[grantId];
    if (g?.state === 'PENDING' && e.type !== 'POINTS_GRANT_ACTIVATED') {
      const r = g.remaining + change;
      grants[grantId] = { ...g, remaining: r, state: r <= 0 ? 'REVOKED' : 'PENDING' };
      continue;
    }
    const r = (remaining[grantId] ?? 0) + change;
    if (r <= 0) {
      delete remaining[grantId];
      if (endsLot(e)) delete expiry[grantId];
    } else {
      remaining[grantId] = r;
    }
    if (bringsIn) {
      const expiresAt = e.type === 'POINTS_GRANTED' ? e.expiresAt! : g?.expiresAt;
      if (expiresAt !== undefined) expiry[grantId] = expiresAt;
      if (g && e.type === 'POINTS_GRANT_ACTIVATED') grants[grantId] = { ...g, state: 'ACTIVE' };
    } else if (g) {
      grants[grantId] = { ...g, remaining: g.remaining + change, state: stateAfter(e, r) };
    }
  }

  // The uses and holds an event changes.
  if (e.type === 'POINTS_USED' && e.holdId !== null) {
    const h = holds[e.holdId];
    if (h) holds[e.holdId] = { ...h, state: 'CAPTURED', captured: e.amount, useId: e.useId };
    delete activeHolds[e.holdId];
  } else if (e.type === 'POINTS_USE_CANCELED') {
    const u = uses[e.useId!];
    if (u) {
      uses[e.useId!] = {
        ...u,
        canceled: u.canceled + e.amount,
        cancellations: [...u.cancellations, { cancellationId: e.cancellationId!, amount: e.amount, occurredAt: e.occurredAt }],
      };
    }
  } else if (e.type === 'POINTS_HOLD_RELEASED') {
    const h = holds[e.holdId!];
    // The rest of a partial capture is released after the capture: the hold stays CAPTURED.
    if (h?.state === 'ACTIVE') holds[e.holdId!] = { ...h, state: 'RELEASED' };
    delete activeHolds[e.holdId!];
  }

  return {
    model: {
      balance: e.balanceAfter,
      held: e.heldAfter,
      pending: e.pendingAfter,
      seq: e.seq,
      updatedAt: e.occurredAt,
      remaining,
      expiry,
      history: [historyItem(e), ...m.history].slice(0, historyLimit),
      grants,
      uses,
      holds,
      activeHolds,
    },
    result: 'applied',
  };
}

/** The kind and id of the record an event creates, if any. */
export function createdRecord(e: PointEvent): { kind: RecordKind; id: string } | null {
  switch (e.type) {
    case 'POINTS_GRANTED':
    case 'POINTS_GRANT_PENDING':
      return { kind: 'grant', id: e.grantId! };
    case 'POINTS_USED':
      return { kind: 'use', id: e.useId! };
    case 'POINTS_HELD':
      return { kind: 'hold', id: e.holdId! };
    default:
      return null;
  }
}

/**
 * The index entries of an event, outside the user's slot: the owner of the record it
 * creates (SET key userId) and, when it carries an orderId, the record's member of the
 * order's set (SADD key member). Both are idempotent: writing them again is no change.
 */
export function indexEntries(e: PointEvent): { owners: [key: string, userId: string][]; orders: [key: string, member: string][] } {
  const rec = createdRecord(e);
  if (!rec) return { owners: [], orders: [] };
  return {
    owners: [[ownerKey(rec.kind, rec.id), e.userId]],
    orders: e.orderId !== null ? [[orderKey(e.orderId), orderMember(e.userId, rec.kind, rec.id)]] : [],
  };
}

/** Hash fields of a record as Redis holds them (null fields left out). */
export function fieldsOfGrant(g: GrantRecord): Record<string, string> {
  const f: Record<string, string> = {
    state: g.state,
    amount: String(g.amount),
    remaining: String(g.remaining),
    expiresAt: String(g.expiresAt),
    createdAt: String(g.createdAt),
  };
  if (g.availableAt !== null) f.availableAt = String(g.availableAt);
  if (g.orderId !== null) f.orderId = g.orderId;
  if (g.reason !== null) f.reason = g.reason;
  if (g.source !== null) f.source = g.source;
  return f;
}

export function fieldsOfUse(u: UseRecord): Record<string, string> {
  const f: Record<string, string> = {
    amount: String(u.amount),
    canceled: String(u.canceled),
    allocations: allocationsJson(u.allocations),
    cancellations: `[${u.cancellations.map(cancellationJson).join(',')}]`,
    createdAt: String(u.createdAt),
  };
  if (u.orderId !== null) f.orderId = u.orderId;
  if (u.holdId !== null) f.holdId = u.holdId;
  return f;
}

export function fieldsOfHold(h: HoldRecord): Record<string, string> {
  const f: Record<string, string> = {
    state: h.state,
    amount: String(h.amount),
    captured: String(h.captured),
    expiresAt: String(h.expiresAt),
    createdAt: String(h.createdAt),
  };
  if (h.orderId !== null) f.orderId = h.orderId;
  if (h.useId !== null) f.useId = h.useId;
  return f;
}

/** What one key holds: a hash, a list (in order) or a sorted set ([member, score] by score). */
export type KeyImage = { hash: Record<string, string> } | { list: string[] } | { zset: [string, string][] };

/**
 * Every key of the user's slot the model says Redis holds, with its content (the wallet
 * without projectedAt, the time of projection). Keys Redis would not keep (empty) are absent.
 */
export function redisImage(userId: string, m: UserModel): Record<string, KeyImage> {
  const k = userKeys(userId);
  const out: Record<string, KeyImage> = {};
  if (m.seq > 0) {
    out[k.wallet] = {
      hash: { balance: String(m.balance), held: String(m.held), pending: String(m.pending), seq: String(m.seq), updatedAt: String(m.updatedAt) },
    };
  }
  const str = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([f, v]) => [f, String(v)]));
  if (Object.keys(m.remaining).length > 0) out[k.remaining] = { hash: str(m.remaining) };
  if (Object.keys(m.expiry).length > 0) out[k.expiry] = { hash: str(m.expiry) };
  if (m.history.length > 0) out[k.history] = { list: m.history.map((h) => JSON.stringify(h)) };
  const holds = Object.entries(m.activeHolds).sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0));
  if (holds.length > 0) out[k.holds] = { zset: holds.map(([h, s]) => [h, String(s)]) };
  for (const [id, g] of Object.entries(m.grants)) out[recordKey(userId, 'grant', id)] = { hash: fieldsOfGrant(g) };
  for (const [id, u] of Object.entries(m.uses)) out[recordKey(userId, 'use', id)] = { hash: fieldsOfUse(u) };
  for (const [id, h] of Object.entries(m.holds)) out[recordKey(userId, 'hold', id)] = { hash: fieldsOfHold(h) };
  return out;
}
