/** Day arithmetic for the analytics (YYYY-MM-DD, UTC). */
import { dayOf } from '../format.ts';

const DAY = 86_400_000;

export const today = (now = Date.now()) => dayOf(now);
export const addDays = (day: string, n: number) => dayOf(Date.parse(`${day}T00:00:00Z`) + n * DAY);

/** Every day from `from` to `to`; null when that is too many to draw one by one. */
export function daysBetween(from: string, to: string, max = 400): string[] | null {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  const n = Math.round((b - a) / DAY) + 1;
  if (!(n > 0) || n > max) return null;
  return Array.from({ length: n }, (_, i) => dayOf(a + i * DAY));
}

/** The rows the API gave, with a zero row for each day it left out. */
export function fillDays<R extends { day: string }>(rows: R[], days: string[] | null, zero: (day: string) => R): R[] {
  if (!days) return rows;
  const byDay = new Map(rows.map((r) => [r.day, r]));
  return days.map((d) => byDay.get(d) ?? zero(d));
}

/** 2026-11-21 → 11-21 (the year is in the range above the chart). */
export const shortDay = (day: string) => day.slice(5);
