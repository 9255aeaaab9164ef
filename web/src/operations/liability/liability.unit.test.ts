import { describe, expect, it } from 'vitest';
import type { CohortRow, LiabilityAnswer } from '../../api/types.ts';
import { addMonths, checkMonthRange, cohortSeries, fillMonths, identity, monthsBetween, percent, shortMonth } from './liability.ts';

const row = (month: string, over: Partial<CohortRow> = {}): CohortRow => ({
  month,
  granted: 0,
  used: 0,
  useCanceled: 0,
  expired: 0,
  revoked: 0,
  outstanding: 0,
  ...over,
});

describe('months', () => {
  it('adds months across years', () => {
    expect(addMonths('2026-12', 1)).toBe('2027-01');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(addMonths('2026-03', -11)).toBe('2025-04');
  });

  it('lists every month of a range, and none for a range the API would refuse', () => {
    expect(monthsBetween('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsBetween('2026-02', '2026-02')).toEqual(['2026-02']);
    expect(monthsBetween('2026-03', '2026-02')).toBeNull();
    expect(monthsBetween('2026-13', '2027-01')).toBeNull();
    expect(monthsBetween('2016-01', '2025-12')).toHaveLength(120);
    expect(monthsBetween('2015-12', '2025-12')).toBeNull();
  });

  it('says what is wrong with a range', () => {
    expect(checkMonthRange('2026-01', '2026-06')).toBeNull();
    expect(checkMonthRange('', '2026-06')).toEqual({ from: 'Enter the first month as YYYY-MM.' });
    expect(checkMonthRange('2026-06', '2026-01')).toEqual({ to: 'The last month is before the first.' });
    expect(checkMonthRange('2000-01', '2026-01')?.to).toMatch(/at most 120 months/);
  });

  it('writes a month short for the axis', () => {
    expect(shortMonth('2026-03')).toBe('Mar 26');
    expect(shortMonth('2025-12')).toBe('Dec 25');
  });
});

describe('cohort chart data', () => {
  it('fills the months the API left out with zeros, in order, and ignores months outside the range', () => {
    const rows = fillMonths(
      [row('2026-03', { granted: 100, used: 40, outstanding: 60 }), row('2026-01', { granted: 5, expired: 5 }), row('2025-01')],
      ['2026-01', '2026-02', '2026-03'],
    );
    expect(rows.map((r) => [r.month, r.granted])).toEqual([
      ['2026-01', 5],
      ['2026-02', 0],
      ['2026-03', 100],
    ]);
  });

  it('makes one series per outcome: used, expired, revoked, outstanding', () => {
    const series = cohortSeries([
      row('2026-01', { granted: 10, used: 3, expired: 2, revoked: 1, outstanding: 4 }),
      row('2026-02', { granted: 7, outstanding: 7 }),
    ]);
    expect(series.map((s) => [s.name, s.values])).toEqual([
      ['Used', [3, 0]],
      ['Expired', [2, 0]],
      ['Revoked', [1, 0]],
      ['Outstanding', [4, 7]],
    ]);
  });
});

describe('liability', () => {
  const l: LiabilityAnswer = {
    asOf: '2026-12-03',
    outstanding: 1200,
    pending: 300,
    held: 100,
    granted: 2000,
    used: 600,
    useCanceled: 150,
    expired: 40,
    revoked: 10,
    breakageRate: 40 / 1990,
  };

  it('writes the identity with both sides, and checks that it holds', () => {
    const id = identity(l);
    expect(id).toEqual({
      left: 1500,
      right: 1500,
      holds: true,
      text: '1,200 outstanding + 300 pending = 2,000 granted − 600 used + 150 use cancelled − 40 expired − 10 revoked',
    });
    expect(identity({ ...l, pending: 0 }).holds).toBe(false);
  });

  it('shows the breakage rate as a percentage', () => {
    expect(percent(l.breakageRate)).toBe('2.01 %');
    expect(percent(0)).toBe('0.00 %');
    expect(percent(1)).toBe('100.00 %');
  });
});
