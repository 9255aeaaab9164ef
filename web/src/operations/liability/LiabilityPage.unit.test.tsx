// @vitest-environment jsdom
import { render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { today } from '../../analytics/days.ts';
import type { CohortRow, LiabilityAnswer } from '../../api/types.ts';
import { apiError, json, mockFetch } from '../../test-support/fetch-mock.ts';
import { useComponentTestEnvironment } from '../../test-support/environment.ts';
import { addMonths, monthOf } from './liability.ts';
import { LiabilityPage } from './LiabilityPage.tsx';

const thisMonth = monthOf(Date.now());
const liability = (asOf: string): LiabilityAnswer => ({
  asOf,
  outstanding: 1200,
  pending: 300,
  held: 100,
  granted: 2000,
  used: 600,
  useCanceled: 150,
  expired: 40,
  revoked: 10,
  breakageRate: 40 / 1990,
});
const cohort = (month: string, over: Partial<CohortRow>): CohortRow => ({
  month,
  granted: 0,
  used: 0,
  useCanceled: 0,
  expired: 0,
  revoked: 0,
  outstanding: 0,
  ...over,
});

describe('LiabilityPage', () => {
  useComponentTestEnvironment();

  it("shows today's liability as facts with its identity, and the cohorts of the last 12 months as bars and a table", async () => {
    const api = mockFetch((c) => {
      if (c.path === '/v1/analytics/liability') return json(200, liability(c.url.searchParams.get('asOf')!));
      return json(200, [
        cohort(addMonths(thisMonth, -2), { granted: 1000, used: 400, expired: 40, revoked: 10, useCanceled: 50, outstanding: 600 }),
        cohort(thisMonth, { granted: 1000, used: 200, useCanceled: 100, outstanding: 900 }),
      ]);
    });
    render(<LiabilityPage />);
    expect((await screen.findByTestId('liability-outstanding')).textContent).toBe('1,200');
    expect(screen.getByTestId('liability-pending').textContent).toBe('300');
    expect(screen.getByTestId('liability-held').textContent).toBe('100');
    expect(screen.getByTestId('liability-granted').textContent).toBe('2,000');
    expect(screen.getByTestId('liability-used').textContent).toBe('600');
    expect(screen.getByTestId('liability-useCanceled').textContent).toBe('150');
    expect(screen.getByTestId('liability-expired').textContent).toBe('40');
    expect(screen.getByTestId('liability-revoked').textContent).toBe('10');
    expect(screen.getByTestId('liability-breakage').textContent).toBe('2.01 %');
    expect(screen.getByTestId('liability-identity').textContent).toBe(
      '1,200 outstanding + 300 pending = 2,000 granted − 600 used + 150 use cancelled − 40 expired − 10 revoked ✓',
    );
    expect(api.calls.find((c) => c.path === '/v1/analytics/liability')!.url.searchParams.get('asOf')).toBe(today());
    const cohorts = api.calls.find((c) => c.path === '/v1/analytics/cohorts')!.url.searchParams;
    expect([cohorts.get('from'), cohorts.get('to')]).toEqual([addMonths(thisMonth, -11), thisMonth]);

    const chart = await screen.findByRole('img', { name: /per month of grant/ });
    // Month −2: used, expired, revoked, outstanding; this month: used and outstanding (no zero bars).
    expect(chart.querySelectorAll('rect.bar')).toHaveLength(6);
    expect([...chart.querySelectorAll('rect.bar title')].map((t) => t.textContent)).toContain(`${thisMonth} · Outstanding: 900`);
    const rows = within(screen.getByTestId('cohort-table')).getAllByRole('row');
    expect(rows.map((r) => r.textContent)).toEqual([
      'MonthGrantedUsedUse cancelledExpiredRevokedOutstanding',
      `${addMonths(thisMonth, -2)}1,000400504010600`,
      `${thisMonth}1,00020010000900`,
    ]);
  });

  it('asks again for another day and other months, and checks them first', async () => {
    const api = mockFetch((c) => (c.path === '/v1/analytics/liability' ? json(200, liability(c.url.searchParams.get('asOf')!)) : json(200, [])));
    render(<LiabilityPage />);
    await screen.findByText('Nothing was granted in these months.');
    const user = userEvent.setup();
    const asOf = screen.getByLabelText('As of (UTC day)');
    await user.clear(asOf);
    await user.type(asOf, '2026-02-28');
    await user.click(screen.getByRole('button', { name: 'Show' }));
    await screen.findByText('At the end of 2026-02-28 (UTC)');

    await user.clear(screen.getByLabelText('From month'));
    await user.type(screen.getByLabelText('From month'), '2027-01');
    await user.click(screen.getByRole('button', { name: 'Show months' }));
    expect(screen.getByText('The last month is before the first.')).toBeTruthy();
    const before = api.calls.length;
    await user.clear(screen.getByLabelText('From month'));
    await user.type(screen.getByLabelText('From month'), '2025-01');
    await user.click(screen.getByRole('button', { name: 'Show months' }));
    await waitFor(() => expect(api.calls.length).toBe(before + 1));
    expect(api.calls[before]!.url.searchParams.get('from')).toBe('2025-01');
  });

  it('says when a side of the identity does not agree', async () => {
    mockFetch((c) => (c.path === '/v1/analytics/liability' ? json(200, { ...liability(today()), pending: 0 }) : json(200, [])));
    render(<LiabilityPage />);
    const line = await screen.findByTestId('liability-identity');
    expect(line.textContent).toContain('does not hold: 1,200 ≠ 1,500');
    expect(line.className).toContain('notice-error');
  });

  it('says when ClickHouse is down', async () => {
    mockFetch(() => apiError(503, 'UNAVAILABLE', 'the analytics model (ClickHouse) is not available'));
    render(<LiabilityPage />);
    await screen.findByText('The liability could not be loaded.');
    await screen.findByText('The cohorts could not be loaded.');
  });
});
