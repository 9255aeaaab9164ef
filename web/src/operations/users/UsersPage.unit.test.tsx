// @vitest-environment jsdom
import { render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AdminUser } from '../../api/types.ts';
import { apiError, json, mockFetch } from '../../test-support/fetch-mock.ts';
import { useComponentTestEnvironment } from '../../test-support/environment.ts';
import { UsersPage } from './UsersPage.tsx';

const user = (userId: string, balance: number, over: Partial<AdminUser> = {}): AdminUser => ({
  userId,
  balance,
  held: 0,
  pending: 0,
  expiring: 0,
  lastEventAt: '2026-12-03T10:00:00.000Z',
  ...over,
});

describe('UsersPage', () => {
  useComponentTestEnvironment();

  it('lists the users largest balance first, each linked to the customer page', async () => {
    mockFetch(() => json(200, { items: [user('bob', 12_000, { held: 300, pending: 50, expiring: 700 }), user('alice', 5)], nextCursor: null }));
    render(<UsersPage />);
    const table = await screen.findByTestId('user-results');
    const rows = within(table).getAllByRole('row');
    expect(rows[0]!.textContent).toBe('UserBalanceHeldPendingExpiring (30 days)Last event');
    expect(rows[1]!.textContent).toBe('bob12,000300507002026-12-03 10:00:00 UTC');
    expect(within(rows[2]!).getByRole('link', { name: 'alice' }).getAttribute('href')).toBe('#/customer/alice');
  });

  it('sends the filters and pages on with the cursor', async () => {
    const api = mockFetch((c) =>
      c.url.searchParams.get('cursor') === 'c2'
        ? json(200, { items: [user('carol', 100)], nextCursor: null })
        : json(200, { items: [user('bob', 200)], nextCursor: 'c2' }),
    );
    render(<UsersPage />);
    await screen.findByTestId('user-results');
    const u = userEvent.setup();
    await u.type(screen.getByLabelText('Min balance'), '100');
    await u.type(screen.getByLabelText('Max balance'), '900');
    await u.type(screen.getByLabelText('Expiring within (days)'), '7');
    await u.type(screen.getByLabelText('Min expiring'), '1{Enter}');
    await waitFor(() => expect(api.calls).toHaveLength(2));
    expect(Object.fromEntries(api.calls[1]!.url.searchParams)).toEqual({
      minBalance: '100',
      maxBalance: '900',
      expiringWithinDays: '7',
      minExpiring: '1',
      limit: '50',
    });
    await screen.findByText('Expiring (7 days)');
    await u.click(await screen.findByRole('button', { name: 'Next page →' }));
    await screen.findByRole('link', { name: 'carol' });
    expect(api.calls[2]!.url.searchParams.get('cursor')).toBe('c2');
    expect(api.calls[2]!.url.searchParams.get('minBalance')).toBe('100');
  });

  it("shows the API's field problem next to the field", async () => {
    mockFetch((c) =>
      c.url.searchParams.has('expiringWithinDays')
        ? apiError(400, 'VALIDATION_FAILED', 'bad', [{ field: 'querystring.expiringWithinDays', message: 'must be <= 3650' }])
        : json(200, { items: [], nextCursor: null }),
    );
    render(<UsersPage />);
    await screen.findByText('No user matches these filters.');
    await userEvent.setup().type(screen.getByLabelText('Expiring within (days)'), '9999{Enter}');
    await screen.findByText('The API says: must be <= 3650');
    expect(screen.getByLabelText('Expiring within (days)').getAttribute('aria-invalid')).toBe('true');
    expect((await screen.findByRole('alert')).textContent).toContain('The API refused these filters.');
  });
});
