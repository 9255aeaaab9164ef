/**
 * The API's input rules, mirrored so a form can say what is wrong before sending.
 * Each check takes the raw text of a field and answers an error sentence or null.
 */

export const MAX_AMOUNT = 1_000_000_000;
export const MAX_VALID_DAYS = 36_500;
const USER_ID = /^[A-Za-z0-9_.:-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DAY_MS = 86_400_000;

/** Length in characters (code points), as the API's JSON Schema counts it. */
const length = (s: string) => [...s].length;

export function checkUserId(value: string): string | null {
  if (value === '') return 'Enter a user id.';
  if (length(value) > 64) return 'A user id has at most 64 characters.';
  if (!USER_ID.test(value)) return 'A user id may only hold letters, digits and _ . : -';
  return null;
}

/** A whole number of points from 1 to 1,000,000,000 (digits only). */
export function checkAmount(value: string, { optional = false } = {}): string | null {
  if (value === '') return optional ? null : 'Enter an amount.';
  if (!/^\d+$/.test(value)) return 'The amount must be a whole number of points (digits only).';
  const n = Number(value);
  if (n < 1) return 'The amount must be at least 1.';
  if (n > MAX_AMOUNT) return 'The amount can be at most 1,000,000,000.';
  return null;
}

function checkText(value: string, what: string, max: number, optional: boolean): string | null {
  if (value === '') return optional ? null : `Enter a ${what}.`;
  if (length(value) > max) return `The ${what} has at most ${max} characters (now ${length(value)}).`;
  return null;
}

export const checkReason = (value: string, { optional = false } = {}) => checkText(value, 'reason', 200, optional);
export const checkSource = (value: string) => checkText(value, 'source', 100, true);
const ORDER_ID = /^[A-Za-z0-9_.:-]+$/;

/** orderId: 1–100 chars of [A-Za-z0-9_.:-] (optional in every command). */
export function checkOrderId(value: string, { optional = true } = {}): string | null {
  const problem = checkText(value, 'order id', 100, optional);
  if (problem || value === '') return problem;
  if (!ORDER_ID.test(value)) return 'An order id may only hold letters, digits and _ . : -';
  return null;
}

export const MIN_HOLD_TTL_SECONDS = 60;
export const MAX_HOLD_TTL_SECONDS = 86_400;

/** A hold's ttlSeconds: 60–86,400 (optional: the API's default is 900). */
export function checkTtlSeconds(value: string): string | null {
  if (value === '') return null;
  if (!/^\d+$/.test(value)) return 'The time to live must be a whole number of seconds.';
  const n = Number(value);
  if (n < MIN_HOLD_TTL_SECONDS || n > MAX_HOLD_TTL_SECONDS) return 'The time to live must be from 60 to 86,400 seconds (1 minute to 1 day).';
  return null;
}

export function checkValidDays(value: string): string | null {
  if (value === '') return 'Enter a number of days.';
  if (!/^\d+$/.test(value)) return 'The number of days must be a whole number.';
  const n = Number(value);
  if (n < 1 || n > MAX_VALID_DAYS) return `The number of days must be from 1 to ${MAX_VALID_DAYS.toLocaleString('en-US')}.`;
  return null;
}

/** `YYYY-MM-DDTHH:mm` (a datetime-local field), read as UTC; null when it is not a time. */
export function parseUtcDateTime(value: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const t = Date.parse(`${value}${value.length === 16 ? ':00' : ''}Z`);
  return Number.isFinite(t) ? t : null;
}

export function checkExpiresAt(value: string, now: number = Date.now()): string | null {
  if (value === '') return 'Enter the expiry date and time.';
  const t = parseUtcDateTime(value);
  if (t === null) return 'The expiry is not a valid date and time.';
  if (t <= now) return 'The expiry must be in the future.';
  if (t > now + MAX_VALID_DAYS * DAY_MS) return 'The expiry can be at most 100 years (36,500 days) ahead.';
  return null;
}

/**
 * A pending grant's availableAt (a datetime-local field, UTC): optional, in the future,
 * and before the expiry when one is given (`expiresAt`, ms).
 */
export function checkAvailableAt(value: string, { expiresAt, now = Date.now() }: { expiresAt?: number | null; now?: number } = {}): string | null {
  if (value === '') return null;
  const t = parseUtcDateTime(value);
  if (t === null) return 'The time the points become usable is not a valid date and time.';
  if (t <= now) return 'The time the points become usable must be in the future.';
  if (t > now + MAX_VALID_DAYS * DAY_MS) return 'The time the points become usable can be at most 100 years ahead.';
  if (expiresAt != null && t >= expiresAt) return 'The points must become usable before they expire.';
  return null;
}

/** grantId / useId: the UUIDs the API hands out. */
export function checkUuid(value: string, what: string): string | null {
  if (value === '') return `Enter the ${what}.`;
  if (!UUID.test(value)) return `The ${what} is a UUID like 0b6f3c9e-1d2a-4c5b-8e7f-9a0b1c2d3e4f (lower-case).`;
  return null;
}

/** What the lookup page takes: a grant, use or hold id (a UUID) or an order id. */
export function checkLookupId(value: string): string | null {
  if (value === '') return 'Enter an order id, or a grant, use or hold id.';
  if (UUID.test(value.toLowerCase())) return null;
  const problem = checkOrderId(value, { optional: false });
  return problem ? `${problem} (or a grant, use or hold id: a UUID).` : null;
}

export const isUuid = (value: string) => UUID.test(value);

/** YYYY-MM-DD, a real calendar day. */
export function checkDay(value: string, what: string): string | null {
  if (value === '') return `Enter the ${what} day.`;
  const t = Date.parse(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !Number.isFinite(t) || new Date(t).toISOString().slice(0, 10) !== value) {
    return `The ${what} day is not a valid date (YYYY-MM-DD).`;
  }
  return null;
}

export function checkRange(from: string, to: string): string | null {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  if (b < a) return 'The end day is before the start day.';
  if (b - a > 3660 * DAY_MS) return 'Choose at most 10 years at a time.';
  return null;
}

export function checkIntInRange(value: string, what: string, min: number, max: number): string | null {
  if (!/^\d+$/.test(value)) return `The ${what} must be a whole number.`;
  const n = Number(value);
  if (n < min || n > max) return `The ${what} must be from ${min} to ${max.toLocaleString('en-US')}.`;
  return null;
}

export type Errors<K extends string> = Partial<Record<K, string>>;

/** The errors that are set; empty when the form is fine. */
export function collect<K extends string>(checks: Record<K, string | null>): Errors<K> {
  const out: Errors<K> = {};
  for (const k of Object.keys(checks) as K[]) {
    const v = checks[k];
    if (v) out[k] = v;
  }
  return out;
}
