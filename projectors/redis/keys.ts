/**
 * Redis keys of the real-time model. Every key of a user carries the hash tag
 * {userId}, so a user's keys live in one slot and one Lua script can update them
 * all on Redis Cluster too.
 *
 * Two indexes serve the lookups that do not name the user: an id's owner and an order's
 * grants, uses and holds. Their keys carry the id's or the order's own hash tag (another
 * slot than the user's), so the projector writes them with commands of their own, before
 * the user's script (writer.ts).
 */
export const userKeys = (userId: string) => ({
  /** hash: balance, held, pending, seq, updatedAt (occurredAt of the last event, ms), projectedAt (ms) */
  wallet: `u:{${userId}}:w`,
  /** hash: grantId -> remaining points (active lots with points left; never a pending lot) */
  remaining: `u:{${userId}}:lr`,
  /** hash: grantId -> expiresAt (ms); active lots kept while they can still get points back */
  expiry: `u:{${userId}}:le`,
  /** list: the latest events as JSON, newest first */
  history: `u:{${userId}}:h`,
  /** sorted set: holdId scored by its expiresAt (ms): the active holds */
  holds: `u:{${userId}}:ha`,
});

/** The kinds of record a lookup finds by id. */
export type RecordKind = 'grant' | 'use' | 'hold';

const RECORD_TAG: Record<RecordKind, string> = { grant: 'g', use: 'us', hold: 'ho' };

/**
 * hash of one grant, use or hold of the user (the fields: model.ts, recordFields):
 * u:{userId}:g:<grantId>, u:{userId}:us:<useId>, u:{userId}:ho:<holdId>.
 */
export const recordKey = (userId: string, kind: RecordKind, id: string) => `u:{${userId}}:${RECORD_TAG[kind]}:${id}`;

/** string: the userId of a grant, use or hold (i:{<id>}:g, :us, :ho). Written once, never changed. */
export const ownerKey = (kind: RecordKind, id: string) => `i:{${id}}:${RECORD_TAG[kind]}`;

/** set: "userId|kind|id" of every grant, use and hold that carries the orderId, whoever the user. */
export const orderKey = (orderId: string) => `o:{${orderId}}`;

/** A member of an order's set; userIds and ids hold no "|". */
export const orderMember = (userId: string, kind: RecordKind, id: string) => `${userId}|${kind}|${id}`;

export function parseOrderMember(member: string): { userId: string; kind: RecordKind; id: string } | null {
  const first = member.indexOf('|');
  const last = member.lastIndexOf('|');
  if (first < 0 || last === first) return null;
  const kind = member.slice(first + 1, last);
  if (kind !== 'grant' && kind !== 'use' && kind !== 'hold') return null;
  return { userId: member.slice(0, first), kind, id: member.slice(last + 1) };
}

/**
 * Every key of the model matches this (a rebuild deletes what it matches, on every
 * master): the user's keys u:{…}…, the owners i:{…}…, the orders o:{…}. A Redis glob:
 * the braces are literal there. Nothing else in Redis begins with one of these.
 */
export const MODEL_KEY_PATTERN = '[uio]:{*}*';
