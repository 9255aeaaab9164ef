/**
 * The cursor of GET /v1/pipeline/dead-letters: an opaque token of positions in the
 * dead-letter topic, the next offset to read per partition (a partition it does not name
 * starts at its first offset). base64url of a small JSON document with a version, so a
 * later shape can be told apart; anything else is refused (400 VALIDATION_FAILED).
 */

/** Partitions and offsets a cursor may name: far beyond any topic of ours, within safe integers. */
const MAX_PARTITIONS = 10_000;

export type Positions = ReadonlyMap<number, number>;

export function encodeCursor(positions: Positions): string {
  const p = [...positions].sort(([a], [b]) => a - b);
  return Buffer.from(JSON.stringify({ v: 1, p }), 'utf8').toString('base64url');
}

/** The positions of a cursor, or null when it is not one this API made. */
export function decodeCursor(cursor: string): Map<number, number> | null {
  if (cursor.length === 0 || cursor.length > 8000 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const d = doc as { v?: unknown; p?: unknown } | null;
  if (!d || typeof d !== 'object' || d.v !== 1 || !Array.isArray(d.p) || d.p.length > MAX_PARTITIONS) return null;
  const out = new Map<number, number>();
  for (const entry of d.p as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2) return null;
    const [partition, offset] = entry as unknown[];
    if (!Number.isSafeInteger(partition) || (partition as number) < 0 || (partition as number) >= MAX_PARTITIONS) return null;
    if (!Number.isSafeInteger(offset) || (offset as number) < 0) return null;
    if (out.has(partition as number)) return null;
    out.set(partition as number, offset as number);
  }
  return out;
}
