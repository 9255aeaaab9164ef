/**
 * The SQL of a command's transaction, as statements for CommandTx (ADR 0007): the
 * reads that load a user's wallet under its row lock, and the writes that store
 * what a decision changed. Nothing here talks to the database itself.
 */
import type { HoldRecord, HoldState, Lot, PointEvent, UseRecord, Wallet } from '../points/types.ts';
import { rows, type Format } from './command-tx.ts';
import { encodePointEvent } from './event-codec.ts';

export interface LoadedWallet {
  wallet: Wallet;
  /** false: the user has no wallet row yet (no event so far). */
  exists: boolean;
}

/** Lots, uses and holds a command names besides the open lots and active holds (cancel, revoke, activate, capture, release). */
export interface WalletNeeds {
  grantIds?: string[];
  useIds?: string[];
  holdIds?: string[];
}

interface LotRow {
  grant_id: string;
  amount: number | string;
  remaining: number | string;
  expires_at: Date;
  granted_at: Date;
  grant_seq: number | string;
  revoked: number;
  pending: number;
  available_at: Date | null;
}

const toLot = (r: LotRow): Lot => ({
  grantId: r.grant_id,
  amount: Number(r.amount),
  remaining: Number(r.remaining),
  expiresAt: r.expires_at.getTime(),
  grantedAt: r.granted_at.getTime(),
  grantSeq: Number(r.grant_seq),
  revoked: r.revoked === 1,
  pending: r.pending === 1,
  availableAt: r.available_at ? r.available_at.getTime() : null,
});

interface HoldRow {
  hold_id: string;
  amount: number | string;
  captured: number | string;
  released: number | string;
  state: HoldState;
  expires_at: Date;
  order_id: string | null;
  use_id: string | null;
}

/** The user of a grant or a use (ids never move between users, so no lock). */
export const ownerOfGrantSql = (f: Format, grantId: string) => f('SELECT user_id FROM point_lots WHERE grant_id = ?', [grantId]);
export const ownerOfUseSql = (f: Format, useId: string) => f('SELECT user_id FROM point_uses WHERE use_id = ?', [useId]);
export const ownerOfHoldSql = (f: Format, holdId: string) => f('SELECT user_id FROM point_holds WHERE hold_id = ?', [holdId]);

/**
 * The reads, in order: the wallet row FOR UPDATE (concurrent commands on one user
 * queue here), the named uses and their allocations, the active and named holds and
 * their allocations, then the open lots plus the named lots and the lots of the named
 * uses and of the loaded holds, FOR UPDATE.
 */
export function walletReads(f: Format, userId: string, need: WalletNeeds = {}): string[] {
  const useIds = need.useIds ?? [];
  const grantIds = need.grantIds ?? [];
  const holdIds = need.holdIds ?? [];
  const holds = f(`user_id = ? AND (state = 'ACTIVE'${holdIds.length ? f(' OR hold_id IN (?)', [holdIds]) : ''})`, [userId]);
  const named = [
    ...(grantIds.length ? [f('grant_id IN (?)', [grantIds])] : []),
    ...(useIds.length ? [f('grant_id IN (SELECT grant_id FROM point_use_allocations WHERE use_id IN (?))', [useIds])] : []),
    `grant_id IN (SELECT grant_id FROM point_hold_allocations WHERE hold_id IN (SELECT hold_id FROM point_holds WHERE ${holds}))`,
  ];
  return [
    f('SELECT balance, held, pending, seq FROM point_wallets WHERE user_id = ? FOR UPDATE', [userId]),
    ...(useIds.length
      ? [
          f('SELECT use_id, amount, canceled FROM point_uses WHERE use_id IN (?) AND user_id = ?', [useIds, userId]),
          f('SELECT use_id, grant_id, amount, restored FROM point_use_allocations WHERE use_id IN (?) ORDER BY use_id, grant_id', [useIds]),
        ]
      : []),
    `SELECT hold_id, amount, captured, released, state, expires_at, order_id, use_id FROM point_holds WHERE ${holds} FOR UPDATE`,
    `SELECT hold_id, grant_id, amount FROM point_hold_allocations WHERE hold_id IN (SELECT hold_id FROM point_holds WHERE ${holds}) ORDER BY hold_id, position`,
    f(
      `SELECT grant_id, amount, remaining, expires_at, granted_at, grant_seq, revoked, pending, available_at FROM point_lots
       WHERE user_id = ? AND (is_open = 1${named.map((n) => ` OR ${n}`).join('')}) FOR UPDATE`,
      [userId],
    ),
  ];
}

/** The wallet from the results of walletReads (same order). */
export function parseWallet(userId: string, need: WalletNeeds, results: unknown[]): LoadedWallet {
  const [walletRows, ...rest] = results;
  const w = rows<{ balance: number | string; held: number | string; pending: number | string; seq: number | string }>(walletRows)[0];
  const uses: UseRecord[] = [];
  if ((need.useIds ?? []).length > 0) {
    const useRows = rows<{ use_id: string; amount: number | string; canceled: number | string }>(rest.shift());
    const allocRows = rows<{ use_id: string; grant_id: string; amount: number | string; restored: number | string }>(rest.shift());
    for (const u of useRows) {
      const allocations = allocRows
        .filter((a) => a.use_id === u.use_id)
        .map((a) => ({ grantId: a.grant_id, amount: Number(a.amount), restored: Number(a.restored) }));
      uses.push({ useId: u.use_id, amount: Number(u.amount), canceled: Number(u.canceled), allocations });
    }
  }
  const holdRows = rows<HoldRow>(rest.shift());
  const holdAllocRows = rows<{ hold_id: string; grant_id: string; amount: number | string }>(rest.shift());
  const holds: HoldRecord[] = holdRows.map((h) => ({
    holdId: h.hold_id,
    amount: Number(h.amount),
    allocations: holdAllocRows.filter((a) => a.hold_id === h.hold_id).map((a) => ({ grantId: a.grant_id, amount: Number(a.amount) })),
    expiresAt: h.expires_at.getTime(),
    orderId: h.order_id,
    state: h.state,
    captured: Number(h.captured),
    released: Number(h.released),
    useId: h.use_id,
  }));
  return {
    exists: w !== undefined,
    wallet: {
      userId,
      balance: w ? Number(w.balance) : 0,
      held: w ? Number(w.held) : 0,
      pending: w ? Number(w.pending) : 0,
      seq: w ? Number(w.seq) : 0,
      lots: rows<LotRow>(rest.shift()).map(toLot),
      uses,
      holds,
    },
  };
}

/**
 * The outbox rows' aggregatetype of a point event: the name of the topic the outbox
 * connector routes it to (it routes by aggregatetype, connect/README.md). It is the
 * contract's topic, as the subject points.events-value is; POINTS_TOPIC names the same.
 */
export const POINT_EVENTS_AGGREGATE = 'points.events';

/** An event's bytes in the outbox (Confluent wire format with the schema id it was written with). */
export type EventEncoder = (event: PointEvent) => Buffer;

/** The encoder of the current schema, registered under schemaId. */
export function currentEncoder(schemaId: number): EventEncoder {
  return (event) => encodePointEvent(schemaId, event);
}

/**
 * The writes of a decision: the difference between the wallet before and after the
 * events, the events, and the outbox rows, inserted and deleted again (the binlog
 * keeps the INSERT for Debezium, the table stays empty: ADR 0004).
 */
export function decisionWrites(f: Format, encode: EventEncoder, loaded: LoadedWallet, after: Wallet, events: PointEvent[], now: Date): string[] {
  const out: string[] = [];
  const before = loaded.wallet;
  out.push(
    loaded.exists
      ? f('UPDATE point_wallets SET balance = ?, held = ?, pending = ?, seq = ?, updated_at = ? WHERE user_id = ?', [
          after.balance,
          after.held,
          after.pending,
          after.seq,
          now,
          after.userId,
        ])
      : f('INSERT INTO point_wallets (user_id, balance, held, pending, seq, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
          after.userId,
          after.balance,
          after.held,
          after.pending,
          after.seq,
          now,
          now,
        ]),
  );

  const beforeLots = new Map(before.lots.map((l) => [l.grantId, l]));
  const grants = new Map(events.filter((e) => e.type === 'POINTS_GRANTED' || e.type === 'POINTS_GRANT_PENDING').map((e) => [e.grantId!, e]));
  const newLots: unknown[][] = [];
  for (const lot of after.lots) {
    const old = beforeLots.get(lot.grantId);
    const isOpen = lot.remaining > 0 ? 1 : 0;
    if (!old) {
      const g = grants.get(lot.grantId)!;
      newLots.push([
        lot.grantId,
        after.userId,
        lot.amount,
        lot.remaining,
        new Date(lot.expiresAt),
        new Date(lot.grantedAt),
        lot.grantSeq,
        lot.revoked ? 1 : 0,
        isOpen,
        g.reason ?? '',
        g.source,
        lot.pending ? 1 : 0,
        lot.availableAt === null ? null : new Date(lot.availableAt),
        g.orderId,
      ]);
    } else if (old.remaining !== lot.remaining || old.revoked !== lot.revoked || old.pending !== lot.pending) {
      out.push(
        f('UPDATE point_lots SET remaining = ?, revoked = ?, pending = ?, is_open = ? WHERE grant_id = ?', [
          lot.remaining,
          lot.revoked ? 1 : 0,
          lot.pending ? 1 : 0,
          isOpen,
          lot.grantId,
        ]),
      );
    }
  }
  if (newLots.length > 0) {
    out.push(
      f(
        'INSERT INTO point_lots (grant_id, user_id, amount, remaining, expires_at, granted_at, grant_seq, revoked, is_open, reason, source, pending, available_at, order_id) VALUES ?',
        [newLots],
      ),
    );
  }

  const beforeUses = new Map(before.uses.map((u) => [u.useId, u]));
  for (const use of after.uses) {
    const old = beforeUses.get(use.useId);
    if (!old) {
      const e = events.find((x) => x.type === 'POINTS_USED' && x.useId === use.useId)!;
      out.push(
        f('INSERT INTO point_uses (use_id, user_id, amount, canceled, order_id, reason, used_at, hold_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
          use.useId,
          after.userId,
          use.amount,
          use.canceled,
          e.orderId,
          e.reason,
          new Date(e.occurredAt),
          e.holdId,
        ]),
      );
      out.push(
        f('INSERT INTO point_use_allocations (use_id, grant_id, amount, restored) VALUES ?', [
          use.allocations.map((a) => [use.useId, a.grantId, a.amount, a.restored]),
        ]),
      );
    } else if (old.canceled !== use.canceled) {
      out.push(f('UPDATE point_uses SET canceled = ? WHERE use_id = ?', [use.canceled, use.useId]));
      for (const a of use.allocations) {
        const oldA = old.allocations.find((x) => x.grantId === a.grantId);
        if (oldA && oldA.restored !== a.restored) {
          out.push(f('UPDATE point_use_allocations SET restored = ? WHERE use_id = ? AND grant_id = ?', [a.restored, use.useId, a.grantId]));
        }
      }
    }
  }

  out.push(...holdWrites(f, before, after, events));

  if (events.length === 0) return out;
  out.push(
    f(
      'INSERT INTO point_events (event_id, user_id, seq, type, amount, balance_after, occurred_at, grant_id, use_id, cancellation_id, expires_at, allocations, reason, source, order_id, hold_id, available_at, held_after, pending_after) VALUES ?',
      [
        events.map((e) => [
          e.eventId,
          e.userId,
          e.seq,
          e.type,
          e.amount,
          e.balanceAfter,
          new Date(e.occurredAt),
          e.grantId,
          e.useId,
          e.cancellationId,
          e.expiresAt === null ? null : new Date(e.expiresAt),
          JSON.stringify(e.allocations),
          e.reason,
          e.source,
          e.orderId,
          e.holdId,
          e.availableAt === null ? null : new Date(e.availableAt),
          e.heldAfter,
          e.pendingAfter,
        ]),
      ],
    ),
  );
  out.push(
    f('INSERT INTO point_event_outbox (id, aggregatetype, aggregateid, type, payload) VALUES ?', [
      events.map((e) => [e.eventId, POINT_EVENTS_AGGREGATE, e.userId, e.type, encode(e)]),
    ]),
  );
  out.push(f('DELETE FROM point_event_outbox WHERE id IN (?)', [events.map((e) => e.eventId)]));
  return out;
}

/** The holds a decision created (with their allocations) or changed (captured, released). */
function holdWrites(f: Format, before: Wallet, after: Wallet, events: PointEvent[]): string[] {
  const out: string[] = [];
  const beforeHolds = new Map(before.holds.map((h) => [h.holdId, h]));
  for (const hold of after.holds) {
    const old = beforeHolds.get(hold.holdId);
    if (!old) {
      const e = events.find((x) => x.type === 'POINTS_HELD' && x.holdId === hold.holdId)!;
      out.push(
        f(
          'INSERT INTO point_holds (hold_id, user_id, amount, captured, released, state, expires_at, order_id, reason, use_id, held_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [
            hold.holdId,
            after.userId,
            hold.amount,
            hold.captured,
            hold.released,
            hold.state,
            new Date(hold.expiresAt),
            hold.orderId,
            e.reason,
            hold.useId,
            new Date(e.occurredAt),
          ],
        ),
        f('INSERT INTO point_hold_allocations (hold_id, grant_id, position, amount) VALUES ?', [
          hold.allocations.map((a, i) => [hold.holdId, a.grantId, i, a.amount]),
        ]),
      );
    } else if (old.state !== hold.state || old.captured !== hold.captured || old.released !== hold.released) {
      out.push(
        f('UPDATE point_holds SET state = ?, captured = ?, released = ?, use_id = ? WHERE hold_id = ?', [
          hold.state,
          hold.captured,
          hold.released,
          hold.useId,
          hold.holdId,
        ]),
      );
    }
  }
  return out;
}
