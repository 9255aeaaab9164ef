/**
 * Loads a user's wallet under its row lock and writes what a decision changed.
 * Every function takes the command's transaction: nothing here commits.
 */
import type { Knex } from 'knex';
import type { Lot, PointEvent, UseRecord, Wallet } from '../points/types.ts';

export interface LoadedWallet {
  wallet: Wallet;
  /** false: the user has no wallet row yet (no event so far). */
  exists: boolean;
}

interface LotRow {
  grant_id: string;
  amount: number | string;
  remaining: number | string;
  expires_at: Date;
  granted_at: Date;
  grant_seq: number | string;
  revoked: number;
}

const toLot = (r: LotRow): Lot => ({
  grantId: r.grant_id,
  amount: Number(r.amount),
  remaining: Number(r.remaining),
  expiresAt: r.expires_at.getTime(),
  grantedAt: r.granted_at.getTime(),
  grantSeq: Number(r.grant_seq),
  revoked: r.revoked === 1,
});

/** The user of a grant or a use, read without a lock (ids never move between users). */
export async function ownerOfGrant(trx: Knex.Transaction, grantId: string): Promise<string | undefined> {
  const row = await trx('point_lots').select('user_id').where({ grant_id: grantId }).first();
  return row?.user_id as string | undefined;
}

export async function ownerOfUse(trx: Knex.Transaction, useId: string): Promise<string | undefined> {
  const row = await trx('point_uses').select('user_id').where({ use_id: useId }).first();
  return row?.user_id as string | undefined;
}

/**
 * Locks the user's wallet row (FOR UPDATE: concurrent commands on one user queue
 * here) and loads its open lots, plus the named lots and uses.
 */
export async function loadWallet(
  trx: Knex.Transaction,
  userId: string,
  need: { grantIds?: string[]; useIds?: string[] } = {},
): Promise<LoadedWallet> {
  const w = await trx('point_wallets').select('balance', 'seq').where({ user_id: userId }).forUpdate().first();
  const uses: UseRecord[] = [];
  const grantIds = new Set(need.grantIds ?? []);
  if (need.useIds && need.useIds.length > 0) {
    const useRows = await trx('point_uses').select('use_id', 'amount', 'canceled').whereIn('use_id', need.useIds).andWhere({ user_id: userId });
    const allocRows = useRows.length
      ? await trx('point_use_allocations').select('use_id', 'grant_id', 'amount', 'restored').whereIn('use_id', useRows.map((u) => u.use_id))
      : [];
    for (const u of useRows) {
      const allocations = allocRows
        .filter((a) => a.use_id === u.use_id)
        .map((a) => ({ grantId: a.grant_id as string, amount: Number(a.amount), restored: Number(a.restored) }));
      allocations.forEach((a) => grantIds.add(a.grantId));
      uses.push({ useId: u.use_id, amount: Number(u.amount), canceled: Number(u.canceled), allocations });
    }
  }
  const lotRows: LotRow[] = await trx('point_lots')
    .select('grant_id', 'amount', 'remaining', 'expires_at', 'granted_at', 'grant_seq', 'revoked')
    .where({ user_id: userId })
    .andWhere((q) => {
      q.where({ is_open: 1 });
      if (grantIds.size > 0) q.orWhereIn('grant_id', [...grantIds]);
    })
    .forUpdate();
  return {
    exists: w !== undefined,
    wallet: {
      userId,
      balance: w ? Number(w.balance) : 0,
      seq: w ? Number(w.seq) : 0,
      lots: lotRows.map(toLot),
      uses,
    },
  };
}

/** Writes the difference between the wallet before and after the events, and the events. */
export async function saveDecision(
  trx: Knex.Transaction,
  loaded: LoadedWallet,
  after: Wallet,
  events: PointEvent[],
  now: Date,
): Promise<void> {
  const before = loaded.wallet;
  if (loaded.exists) {
    await trx('point_wallets').update({ balance: after.balance, seq: after.seq, updated_at: now }).where({ user_id: after.userId });
  } else {
    await trx('point_wallets').insert({ user_id: after.userId, balance: after.balance, seq: after.seq, created_at: now, updated_at: now });
  }

  const beforeLots = new Map(before.lots.map((l) => [l.grantId, l]));
  const grants = new Map(events.filter((e) => e.type === 'POINTS_GRANTED').map((e) => [e.grantId!, e]));
  const newLots = [];
  for (const lot of after.lots) {
    const old = beforeLots.get(lot.grantId);
    if (!old) {
      const g = grants.get(lot.grantId)!;
      newLots.push({
        grant_id: lot.grantId, user_id: after.userId, amount: lot.amount, remaining: lot.remaining,
        expires_at: new Date(lot.expiresAt), granted_at: new Date(lot.grantedAt), grant_seq: lot.grantSeq,
        revoked: lot.revoked, is_open: lot.remaining > 0 ? 1 : 0, reason: g.reason ?? '', source: g.source,
      });
    } else if (old.remaining !== lot.remaining || old.revoked !== lot.revoked) {
      await trx('point_lots')
        .update({ remaining: lot.remaining, revoked: lot.revoked, is_open: lot.remaining > 0 ? 1 : 0 })
        .where({ grant_id: lot.grantId });
    }
  }
  if (newLots.length > 0) await trx('point_lots').insert(newLots);

  const beforeUses = new Map(before.uses.map((u) => [u.useId, u]));
  for (const use of after.uses) {
    const old = beforeUses.get(use.useId);
    if (!old) {
      const e = events.find((x) => x.type === 'POINTS_USED' && x.useId === use.useId)!;
      await trx('point_uses').insert({
        use_id: use.useId, user_id: after.userId, amount: use.amount, canceled: use.canceled,
        order_id: e.orderId, reason: e.reason, used_at: new Date(e.occurredAt),
      });
      await trx('point_use_allocations').insert(
        use.allocations.map((a) => ({ use_id: use.useId, grant_id: a.grantId, amount: a.amount, restored: a.restored })),
      );
    } else if (old.canceled !== use.canceled) {
      await trx('point_uses').update({ canceled: use.canceled }).where({ use_id: use.useId });
      for (const a of use.allocations) {
        const oldA = old.allocations.find((x) => x.grantId === a.grantId);
        if (oldA && oldA.restored !== a.restored) {
          await trx('point_use_allocations').update({ restored: a.restored }).where({ use_id: use.useId, grant_id: a.grantId });
        }
      }
    }
  }

  await trx('point_events').insert(
    events.map((e) => ({
      event_id: e.eventId, user_id: e.userId, seq: e.seq, type: e.type, amount: e.amount,
      balance_after: e.balanceAfter, occurred_at: new Date(e.occurredAt), grant_id: e.grantId,
      use_id: e.useId, cancellation_id: e.cancellationId,
      expires_at: e.expiresAt === null ? null : new Date(e.expiresAt),
      allocations: JSON.stringify(e.allocations), reason: e.reason, source: e.source, order_id: e.orderId,
    })),
  );
}
