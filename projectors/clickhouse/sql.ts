/** Small helpers for the SQL text of the read model (18.16 has no query parameters). */
import { quote } from '../../common/src/clickhouse.ts';

/**
 * 18.16 refuses a query longer than max_query_size (256 KiB): a long `IN (...)` list
 * of user ids is sent in pieces whose quoted text stays under `maxChars`.
 */
export function inListChunks(values: readonly string[], maxChars = 100_000): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const v of values) {
    const len = v.length * 2 + 4; // worst case: every character escaped, quotes, ", "
    if (current.length > 0 && size + len > maxChars) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(v);
    size += len;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * The values as quoted, comma-separated SQL string literals, in pieces of at most
 * `maxBytes` bytes of UTF-8 each (a value longer than that alone), for long `IN` lists
 * or array literals: measured exactly, so a piece can come close to max_query_size.
 */
export function quotedListChunks(values: Iterable<string>, maxBytes = 200_000): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const v of values) {
    const q = quote(v);
    const len = Buffer.byteLength(q) + 1;
    if (current.length > 0 && size + len > maxBytes) {
      chunks.push(current.join(','));
      current = [];
      size = 0;
    }
    current.push(q);
    size += len;
  }
  if (current.length > 0) chunks.push(current.join(','));
  return chunks;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A 'YYYY-MM-DD' calendar day ClickHouse's Date holds (1970..2105), or a RangeError. */
export function checkDay(value: string, name: string): string {
  const m = DAY.exec(value);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || !Number.isFinite(t) || new Date(t).toISOString().slice(0, 10) !== value || m[1]! < '1970' || m[1]! > '2105') {
    throw new RangeError(`${name} must be a day YYYY-MM-DD from 1970 to 2105, got "${value}"`);
  }
  return value;
}

/** An integer from min to max, or a RangeError (it goes into SQL text as a number). */
export function checkInt(value: number, name: string, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** A 'YYYY-MM' month ClickHouse's Date holds (1970-01..2105-12), or a RangeError. */
export function checkMonth(value: string, name: string): string {
  const m = MONTH.exec(value);
  if (!m || m[1]! < '1970' || m[1]! > '2105') throw new RangeError(`${name} must be a month YYYY-MM from 1970-01 to 2105-12, got "${value}"`);
  return value;
}
