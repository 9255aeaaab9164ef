/**
 * The arithmetic of the liability page: months (YYYY-MM, UTC), the cohorts filled out to
 * every month of the range, the chart's series, the identity the liability always keeps,
 * and the breakage rate as a percentage.
 */
import type { CohortRow, LiabilityAnswer } from '../../api/types.ts';
import type { Series } from '../../components/BarChart.tsx';
import { points } from '../../format.ts';

/** The most months one cohorts request may span (the API's limit): ten years. */
export const MAX_MONTHS = 120;

export const monthOf = (t: number) => new Date(t).toISOString().slice(0, 7);

export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return monthOf(Date.UTC(y, m - 1 + n, 1));
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Every month from `from` to `to`; null when they are not months, out of order, or too many. */
export function monthsBetween(from: string, to: string, max = MAX_MONTHS): string[] | null {
  if (!MONTH.test(from) || !MONTH.test(to) || to < from) return null;
  const out: string[] = [];
  for (let m = from; m <= to; m = addMonths(m, 1)) {
    out.push(m);
    if (out.length > max) return null;
  }
  return out;
}

/** What is wrong with a month range, in words; null when the API will take it. */
export function checkMonthRange(from: string, to: string): { from?: string; to?: string } | null {
  if (!MONTH.test(from)) return { from: 'Enter the first month as YYYY-MM.' };
  if (!MONTH.test(to)) return { to: 'Enter the last month as YYYY-MM.' };
  if (to < from) return { to: 'The last month is before the first.' };
  if (!monthsBetween(from, to)) return { to: `Choose at most ${MAX_MONTHS} months (ten years) at a time.` };
  return null;
}

const zero = (month: string): CohortRow => ({ month, granted: 0, used: 0, useCanceled: 0, expired: 0, revoked: 0, outstanding: 0 });

/** The rows the API gave, in month order, with a zero row for each month of the range it left out. */
export function fillMonths(rows: CohortRow[], months: string[]): CohortRow[] {
  const byMonth = new Map(rows.map((r) => [r.month, r]));
  return months.map((m) => byMonth.get(m) ?? zero(m));
}

/** What became of each month's grants, as the chart's bars (grouped per month). */
export const COHORT_SERIES = [
  { key: 'used', label: 'Used', color: '#1565c0' },
  { key: 'expired', label: 'Expired', color: '#e65100' },
  { key: 'revoked', label: 'Revoked', color: '#c62828' },
  { key: 'outstanding', label: 'Outstanding', color: '#2e7d32' },
] as const;

export const cohortSeries = (rows: CohortRow[]): Series[] => COHORT_SERIES.map((s) => ({ name: s.label, color: s.color, values: rows.map((r) => r[s.key]) }));

/** `2026-03` → `Mar 26`. */
export function shortMonth(month: string): string {
  const [y, m] = month.split('-');
  const names = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${names[Number(m) - 1] ?? m} ${y?.slice(2)}`;
}

/** outstanding + pending = granted − used + useCanceled − expired − revoked: both sides, and whether they agree. */
export function identity(l: LiabilityAnswer): { left: number; right: number; holds: boolean; text: string } {
  const left = l.outstanding + l.pending;
  const right = l.granted - l.used + l.useCanceled - l.expired - l.revoked;
  const p = points;
  const text = `${p(l.outstanding)} outstanding + ${p(l.pending)} pending = ${p(l.granted)} granted − ${p(l.used)} used + ${p(l.useCanceled)} use cancelled − ${p(l.expired)} expired − ${p(l.revoked)} revoked`;
  return { left, right, holds: left === right, text };
}

/** 0.0123 → `1.23 %`. */
export const percent = (rate: number) => `${(rate * 100).toFixed(2)} %`;
