/**
 * What an id links to. A typed-in id may be anything: a UUID is tried as a grant, a use
 * and a hold at once (the API hands out UUIDs for all three), and as an order id when none
 * of them has it; anything else is an order id. A link knows its kind: one request.
 */
import { getGrant, getHold, getOrder, getUse, type LookupKind, type LookupOptions } from '../api/endpoints.ts';
import { ApiError, toApiError } from '../api/errors.ts';
import type { GrantAnswer, HoldAnswer, OrderAnswer, UseAnswer } from '../api/types.ts';
import { isUuid } from '../validation.ts';

export type Found =
  | { kind: 'grant'; grant: GrantAnswer }
  | { kind: 'use'; use: UseAnswer }
  | { kind: 'hold'; hold: HoldAnswer }
  | { kind: 'order'; order: OrderAnswer };

async function one(kind: LookupKind, id: string, o: LookupOptions): Promise<Found> {
  switch (kind) {
    case 'grant':
      return { kind, grant: await getGrant(id, o) };
    case 'use':
      return { kind, use: await getUse(id, o) };
    case 'hold':
      return { kind, hold: await getHold(id, o) };
    case 'order':
      return { kind, order: await getOrder(id, o) };
  }
}

const isEmptyOrder = (f: Found) => f.kind === 'order' && f.order.grants.length + f.order.uses.length + f.order.holds.length === 0;

export async function findRecord(kind: LookupKind | null, id: string, o: LookupOptions): Promise<Found> {
  if (kind) return one(kind, kind === 'order' ? id : id.toLowerCase(), o);
  if (!isUuid(id.toLowerCase())) return one('order', id, o);
  const uuid = id.toLowerCase();
  const tried = await Promise.allSettled((['grant', 'use', 'hold'] as const).map((k) => one(k, uuid, o)));
  const hit = tried.find((t) => t.status === 'fulfilled');
  if (hit) return hit.value;
  const errors = tried.map((t) => toApiError((t as PromiseRejectedResult).reason));
  if (o.signal?.aborted) throw new DOMException('aborted', 'AbortError');
  const other = errors.find((e) => e.code !== 'NOT_FOUND');
  if (other) throw other;
  // An order id may look like a UUID too.
  try {
    const order = await one('order', id, o);
    if (!isEmptyOrder(order)) return order;
  } catch (e) {
    const err = toApiError(e);
    if (err.code !== 'NOT_FOUND') throw err;
  }
  throw new ApiError('NOT_FOUND', `no grant, use, hold or order has the id ${id}`, 404);
}
