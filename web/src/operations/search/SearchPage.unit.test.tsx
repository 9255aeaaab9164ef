// @vitest-environment jsdom
import { render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { AdminEvent } from '../../api/types.ts';
import { apiError, json, mockFetch } from '../../test-support/fetch-mock.ts';
import { TEST_KEY, useComponentTestEnvironment } from '../../test-support/environment.ts';
import { SearchPage } from './SearchPage.tsx';

const event = (seq: number, over: Partial<AdminEvent> = {}): AdminEvent => ({
  eventId: `e-${seq}`,
  userId: 'alice',
  seq,
  type: 'POINTS_GRANTED',
  amount: 100,
  balanceAfter: 100 * seq,
  occurredAt: `2026-12-03T10:0${seq}:00.000Z`,
  grantId: `0b6f3c9e-1d2a-4c5b-8e7f-9a0b1c2d3e4${seq}`,
  reason: 'welcome',
  ...over,
});

describe('SearchPage', () => {
  useComponentTestEnvironment();

  it('shows the newest events at once, every id linked, the user to the customer page', async () => {
    const api = mockFetch(() =>
      json(200, {
        items: [event(2, { type: 'POINTS_USED', amount: 30, orderId: 'o-9', useId: 'use-1', grantId: undefined, source: 'shop' }), event(1)],
        nextCursor: null,
      }),
    );
    render(<SearchPage />);
    const table = await screen.findByTestId('search-results');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]!.textContent).toContain('2026-12-03 10:02:00 UTC');
    expect(rows[0]!.textContent).toContain('Used');
    expect(rows[0]!.textContent).toContain('−30');
    expect(within(rows[0]!).getByRole('link', { name: 'order o-9' }).getAttribute('href')).toBe('#/find/order/o-9');
    expect(within(rows[0]!).getByRole('link', { name: 'use use-1' }).getAttribute('href')).toBe('#/find/use/use-1');
    expect(rows[0]!.textContent).toContain('“welcome” · source shop');
    expect(within(rows[1]!).getByRole('link', { name: 'alice' }).getAttribute('href')).toBe('#/customer/alice');
    expect(rows[1]!.textContent).toContain('+100');
    expect(api.calls[0]!.path).toBe('/v1/admin/events');
    expect([...api.calls[0]!.url.searchParams]).toEqual([['limit', '50']]);
    expect(api.calls[0]!.headers.authorization).toBe(`Bearer ${TEST_KEY}`);
    // One page only: no pager.
    expect(screen.queryByRole('navigation', { name: 'Event pages' })).toBeNull();
  });

  it('sends every filter that is set, by its API name, and the same filters for the next page with the cursor', async () => {
    const api = mockFetch((c) =>
      c.url.searchParams.get('cursor') === 'next-1'
        ? json(200, { items: [event(1)], nextCursor: null })
        : json(200, { items: [event(2)], nextCursor: 'next-1' }),
    );
    render(<SearchPage />);
    await screen.findByTestId('search-results');
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('User id'), 'alice');
    await user.selectOptions(screen.getByLabelText('Event type'), 'POINTS_GRANTED');
    await user.type(screen.getByLabelText('Order id'), 'o-1');
    await user.type(screen.getByLabelText('Grant id'), 'g-1');
    await user.type(screen.getByLabelText('Use id'), 'u-1');
    await user.type(screen.getByLabelText('Hold id'), 'h-1');
    await user.type(screen.getByLabelText('Source'), 'shop');
    await user.type(screen.getByLabelText('Reason contains'), 'welcome');
    await user.type(screen.getByLabelText('From (UTC)'), '2026-12-01T00:00');
    await user.type(screen.getByLabelText('To (UTC)'), '2026-12-03T23:59');
    await user.type(screen.getByLabelText('Min points'), '10');
    await user.type(screen.getByLabelText('Max points'), '500');
    await user.selectOptions(screen.getByLabelText('Rows per page'), '100');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(api.calls).toHaveLength(2));
    expect(Object.fromEntries(api.calls[1]!.url.searchParams)).toEqual({
      userId: 'alice',
      type: 'POINTS_GRANTED',
      orderId: 'o-1',
      grantId: 'g-1',
      useId: 'u-1',
      holdId: 'h-1',
      source: 'shop',
      reasonContains: 'welcome',
      from: '2026-12-01T00:00:00.000Z',
      to: '2026-12-03T23:59:59.999Z',
      minAmount: '10',
      maxAmount: '500',
      limit: '100',
    });

    const pager = await screen.findByRole('navigation', { name: 'Event pages' });
    await user.click(within(pager).getByRole('button', { name: 'Next page →' }));
    await within(pager).findByText('Page 2');
    await waitFor(() => expect(within(screen.getByTestId('search-results')).getAllByRole('row')[1]!.textContent).toContain('10:01:00'));
    const third = api.calls[2]!.url.searchParams;
    expect(third.get('cursor')).toBe('next-1');
    expect(third.get('userId')).toBe('alice');
    expect(within(pager).getByRole('button', { name: 'Next page →' }).hasAttribute('disabled')).toBe(true);
    await user.click(within(pager).getByRole('button', { name: '← First page' }));
    await waitFor(() => expect(screen.queryByRole('navigation', { name: 'Event pages' })?.textContent).toContain('Page 1'));
  });

  it("shows the API's field problems next to the fields and above the results", async () => {
    mockFetch((c) =>
      c.url.searchParams.has('minAmount')
        ? apiError(400, 'VALIDATION_FAILED', 'querystring/minAmount must be integer', [
            { field: 'querystring.minAmount', message: 'must be integer' },
            { field: 'querystring.to', message: 'is before from' },
          ])
        : json(200, { items: [], nextCursor: null }),
    );
    render(<SearchPage />);
    await screen.findByText('No event matches these filters.');
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Min points'), 'ten{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The API refused these filters.');
    expect(alert.getAttribute('data-code')).toBe('VALIDATION_FAILED');
    expect(screen.getByLabelText('Min points').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('The API says: must be integer')).toBeTruthy();
    expect(screen.getByText('The API says: is before from')).toBeTruthy();
    expect(screen.getByLabelText('To (UTC)').getAttribute('aria-describedby')).toContain('ev-to-error');
    // No results and no download for filters the API refused.
    expect(screen.queryByRole('button', { name: 'Download CSV' })).toBeNull();
  });

  it('downloads every match as CSV with the key: same filters, format=csv, no page size', async () => {
    const api = mockFetch((c) =>
      c.url.searchParams.get('format') === 'csv'
        ? new Response('eventId,userId\ne-1,alice\n', { status: 200, headers: { 'content-type': 'text/csv' } })
        : json(200, { items: [event(1)], nextCursor: null }),
    );
    const created = vi.fn((_: Blob) => 'blob:console/1');
    const revoked = vi.fn();
    // jsdom has no blob URLs: these two stand in for the browser's, for this test only.
    Object.assign(URL, { createObjectURL: created, revokeObjectURL: revoked });
    onTestFinished(() => {
      Reflect.deleteProperty(URL, 'createObjectURL');
      Reflect.deleteProperty(URL, 'revokeObjectURL');
    });
    const saved: { href: string; download: string }[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push({ href: this.href, download: this.download });
    });
    const { unmount } = render(<SearchPage />);
    await screen.findByTestId('search-results');
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('User id'), 'alice{Enter}');
    await waitFor(() => expect(api.calls).toHaveLength(2));
    await screen.findByTestId('search-results');
    await user.click(screen.getByRole('button', { name: 'Download CSV' }));
    await screen.findByText(/Saved the CSV \(25 B\)/);
    const csv = api.calls.find((c) => c.url.searchParams.get('format') === 'csv')!;
    expect(Object.fromEntries(csv.url.searchParams)).toEqual({ userId: 'alice', format: 'csv' });
    expect(csv.headers.authorization).toBe(`Bearer ${TEST_KEY}`);
    expect(csv.headers.accept).toBe('text/csv');
    expect(await created.mock.calls[0]![0].text()).toBe('eventId,userId\ne-1,alice\n');
    expect(saved).toEqual([{ href: 'blob:console/1', download: expect.stringMatching(/^events-\d{4}-\d\d-\d\dT\d{6}Z\.csv$/) }]);
    unmount();
    expect(revoked).toHaveBeenCalledWith('blob:console/1');
  });

  it('says why a download failed', async () => {
    mockFetch((c) =>
      c.url.searchParams.get('format') === 'csv'
        ? apiError(503, 'UNAVAILABLE', 'the analytics model (ClickHouse) is not available')
        : json(200, { items: [event(1)], nextCursor: null }),
    );
    render(<SearchPage />);
    await screen.findByTestId('search-results');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Download CSV' }));
    expect((await screen.findByRole('alert')).textContent).toContain('The CSV could not be downloaded.');
  });
});
