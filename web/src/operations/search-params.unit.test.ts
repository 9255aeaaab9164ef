import { describe, expect, it } from 'vitest';
import { eventSearchParams, NO_EVENT_FILTERS } from './search/event-filters.ts';
import { describeFilters, minuteEnd, minuteStart, toSearchParams } from './search-params.ts';
import { expiringWindow, NO_USER_FILTERS, userSearchParams } from './users/user-filters.ts';

describe('search parameters of the filter forms', () => {
  it('leaves empty fields out and trims the others', () => {
    expect(toSearchParams({ a: '', b: '  x ', c: '   ' })).toEqual({ b: 'x' });
  });

  it('reads a UTC minute as its first and its last millisecond (from and to are inclusive)', () => {
    expect(minuteStart('2026-12-03T10:15')).toBe('2026-12-03T10:15:00.000Z');
    expect(minuteEnd('2026-12-03T10:15')).toBe('2026-12-03T10:15:59.999Z');
    // Anything else goes to the API as it is, which says what is wrong with it.
    expect(minuteStart('yesterday')).toBe('yesterday');
    expect(minuteEnd('2026-12-03T10:15:30')).toBe('2026-12-03T10:15:30');
  });

  it('sends every event filter by its API name, the times as ISO-8601', () => {
    const params = eventSearchParams({
      ...NO_EVENT_FILTERS,
      userId: 'u-1',
      type: 'POINTS_USED',
      orderId: 'o-1',
      grantId: 'g',
      useId: 'u',
      holdId: 'h',
      source: 'shop',
      reasonContains: '50% off',
      from: '2026-12-01T00:00',
      to: '2026-12-02T23:59',
      minAmount: '10',
      maxAmount: '20',
      limit: '100',
    });
    expect(params).toEqual({
      userId: 'u-1',
      type: 'POINTS_USED',
      orderId: 'o-1',
      grantId: 'g',
      useId: 'u',
      holdId: 'h',
      source: 'shop',
      reasonContains: '50% off',
      from: '2026-12-01T00:00:00.000Z',
      to: '2026-12-02T23:59:59.999Z',
      minAmount: '10',
      maxAmount: '20',
      limit: '100',
    });
    expect(eventSearchParams(NO_EVENT_FILTERS)).toEqual({ limit: '50' });
  });

  it('sends the user filters, and names the window of the expiring column', () => {
    const params = userSearchParams({ ...NO_USER_FILTERS, minBalance: '100', expiringWithinDays: '7' });
    expect(params).toEqual({ minBalance: '100', expiringWithinDays: '7', limit: '50' });
    expect(expiringWindow(params)).toBe('7 days');
    expect(expiringWindow({})).toBe('30 days');
  });

  it('says the filters in words, without the page size', () => {
    expect(describeFilters({ limit: '50' })).toBe('no filters');
    expect(describeFilters({ userId: 'u-1', type: 'POINTS_USED', limit: '50' })).toBe('userId u-1 · type POINTS_USED');
  });
});
