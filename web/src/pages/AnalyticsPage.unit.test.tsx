// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { addDays, today } from '../analytics/days.ts';
import { apiError, json, mockFetch } from '../test-support/fetch-mock.ts';
import { useComponentTestEnvironment } from '../test-support/environment.ts';
import { AnalyticsPage } from './AnalyticsPage.tsx';

const t = today();

describe('AnalyticsPage', () => {
  useComponentTestEnvironment();

  it('draws daily movement, expiring points and the top users', async () => {
    const api = mockFetch((c) => {
      if (c.path === '/v1/analytics/daily') return json(200, [{ day: t, granted: 500, used: 200, useCanceled: 0, expired: 10, revoked: 0, activeUsers: 3 }]);
      if (c.path === '/v1/analytics/expiring') return json(200, [{ day: addDays(t, 3), points: 70, lots: 2 }]);
      return json(200, [
        { userId: 'alice', points: 500 },
        { userId: 'bob', points: 20 },
      ]);
    });
    render(<AnalyticsPage />);
    const daily = await screen.findByRole('img', { name: /per day,/ });
    expect(daily.querySelectorAll('rect.bar')).toHaveLength(3);
    expect(daily.querySelector('rect.bar title')!.textContent).toBe(`${t} · Granted: 500`);
    const expiring = await screen.findByRole('img', { name: /Points expiring per day/ });
    expect(expiring.querySelectorAll('rect.bar')).toHaveLength(1);
    expect((await screen.findByRole('link', { name: 'alice' })).getAttribute('href')).toBe('#/customer/alice');

    const daily1 = api.calls.find((c) => c.path === '/v1/analytics/daily')!;
    expect(daily1.url.searchParams.get('to')).toBe(t);
    expect(daily1.url.searchParams.get('from')).toBe(addDays(t, -29));
    expect(api.calls.find((c) => c.path === '/v1/analytics/expiring')!.url.searchParams.get('days')).toBe('30');
    expect(api.calls.find((c) => c.path === '/v1/analytics/top-users')!.url.searchParams.get('by')).toBe('earned');

    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('By'), 'spent');
    expect(api.calls.some((c) => c.url.searchParams.get('by') === 'spent')).toBe(true);
  });

  it('shows empty states when nothing moved', async () => {
    mockFetch(() => json(200, []));
    render(<AnalyticsPage />);
    await screen.findByText('No points moved in this range.');
    await screen.findByText('No points expire in the next 30 days.');
    await screen.findByText('Nobody earned points in this range.');
  });

  it('checks the range and the days ahead before asking', async () => {
    const api = mockFetch(() => json(200, []));
    render(<AnalyticsPage />);
    await screen.findByText('No points moved in this range.');
    const user = userEvent.setup();
    const before = api.calls.length;
    await user.clear(screen.getByLabelText('From (UTC day)'));
    await user.type(screen.getByLabelText('From (UTC day)'), addDays(t, 5));
    await user.click(screen.getByRole('button', { name: 'Show range' }));
    expect(screen.getByText('The end day is before the start day.')).toBeTruthy();
    await user.clear(screen.getByLabelText('Days ahead'));
    await user.type(screen.getByLabelText('Days ahead'), '4000{Enter}');
    expect(screen.getByText(/from 1 to 3,650/)).toBeTruthy();
    expect(api.calls.length).toBe(before);
  });

  it('says when ClickHouse is down', async () => {
    mockFetch(() => apiError(503, 'UNAVAILABLE', 'the analytics model (ClickHouse) is not available; try again'));
    render(<AnalyticsPage />);
    await screen.findByText('The daily movement could not be loaded.');
    expect(screen.getAllByText(/the analytics model \(ClickHouse\) is not available/)).toHaveLength(3);
  });
});
