/**
 * UTC date and time as text, the same as Date.prototype.toISOString gives, without a
 * Date per call: a replay formats every event's times (Redis history items, ClickHouse
 * rows), and a batch's events fall on a few days, each formatted once.
 */
const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00.000Z: from there on toISOString writes a six-digit year. */
const YEAR_10000_MS = 253_402_300_800_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const days = new Map<number, string>();

/** 'YYYY-MM-DD' of a day counted from 1970-01-01 (0 <= day, before year 10000). */
export function utcDayText(day: number): string {
  let text = days.get(day);
  if (text === undefined) {
    if (days.size >= 10_000) days.clear();
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    days.set(day, text);
  }
  return text;
}

/** 'hh:mm:ss' of a second within a day (0..86399). */
export function utcTimeOfDayText(second: number): string {
  const h = Math.floor(second / 3600);
  const m = Math.floor((second - h * 3600) / 60);
  return `${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[second - h * 3600 - m * 60]}`;
}

/** new Date(ms).toISOString(), also for times it cannot hold (it throws the same RangeError). */
export function isoText(ms: number): string {
  if (!(Number.isInteger(ms) && ms >= 0 && ms < YEAR_10000_MS)) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  const inDay = ms - day * DAY_MS;
  const second = Math.floor(inDay / 1000);
  return `${utcDayText(day)}T${utcTimeOfDayText(second)}.${THREE_DIGITS[inDay - second * 1000]}Z`;
}
