// @vitest-environment jsdom
import { render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { getApiKey } from '../api/key.ts';
import type { HistoryItem } from '../api/types.ts';
import { apiError, deferred, emptyUser, HOLD_ID, holdRecord, json, lookups, mockFetch, networkDown, USE_ID } from '../test-support/fetch-mock.ts';
import { useComponentTestEnvironment } from '../test-support/environment.ts';
import { CustomerPage } from './CustomerPage.tsx';

const balance = (b: number, seq: number) => ({
  userId: 'alice',
  balance: b,
  seq,
  updatedAt: '2026-11-21T10:00:00.000Z',
  expiringSoon: { amount: 0, withinDays: 30 },
});

function item(seq: number): HistoryItem {
  return { eventId: `e${seq}`, seq, type: 'POINTS_GRANTED', amount: 10, balanceAfter: seq * 10, occurredAt: '2026-11-21T10:00:00.000Z', grantId: `g${seq}` };
}

describe('CustomerPage', () => {
  useComponentTestEnvironment();

  it('asks for a user id when none is given, and checks it before looking up', async () => {
    mockFetch(() => json(200, {}));
    render(<CustomerPage userId={null} />);
    expect(screen.getByText(/Enter a user id to see the balance/)).toBeTruthy();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('User id'), 'not valid!{Enter}');
    expect(screen.getByText(/A user id may only hold/)).toBeTruthy();
    expect(window.location.hash).toBe('');
    await user.clear(screen.getByLabelText('User id'));
    await user.type(screen.getByLabelText('User id'), 'bob.1:x{Enter}');
    expect(window.location.hash).toBe('#/customer/bob.1%3Ax');
  });

  it('shows an unknown user as balance 0 with no grants and no history', async () => {
    mockFetch((c) => emptyUser(c) ?? json(404, {}));
    render(<CustomerPage userId="alice" />);
    expect((await screen.findByTestId('balance')).textContent).toBe('0 points');
    await screen.findByText(/an unknown user has a balance of 0/);
    await screen.findByText('No active grants.');
    await screen.findByText('No history: this user has no events yet.');
  });

  it('after a command, waits for the read model (minSeq) and never shows the old balance as current', async () => {
    const first = deferred();
    const second = deferred();
    let waits = 0;
    const api = mockFetch((c) => {
      if (c.method === 'POST')
        return json(201, {
          grantId: '0b6f3c9e-1d2a-4c5b-8e7f-9a0b1c2d3e4f',
          eventId: 'e',
          userId: 'alice',
          seq: 1,
          balance: 100,
          expiresAt: '2027-11-21T00:00:00.000Z',
        });
      if (c.path.endsWith('/balance') && c.url.searchParams.has('minSeq')) return (waits++ === 0 ? first : second).promise;
      return emptyUser(c)!;
    });
    render(<CustomerPage userId="alice" />);
    expect((await screen.findByTestId('balance')).textContent).toBe('0 points');
    const user = userEvent.setup();
    await user.type(screen.getByRole('textbox', { name: 'Amount' }), '100');
    await user.type(screen.getByRole('textbox', { name: 'Reason' }), 'welcome{Enter}');

    await screen.findByText('Waiting for the read model to catch up to seq 1…');
    expect(screen.getByTestId('balance').textContent).toBe('…');
    expect(screen.queryByText('points')).toBeNull();
    const wait = api.calls.find((c) => c.url.searchParams.has('minSeq'))!;
    expect(wait.url.searchParams.get('minSeq')).toBe('1');
    expect(Number(wait.url.searchParams.get('waitMs'))).toBeGreaterThan(0);

    // 504: still behind; the page keeps waiting and says so.
    first.resolve(apiError(504, 'PROJECTION_BEHIND', 'the read model has seq 0 for this user, not yet 1; try again', { minSeq: 1, seq: 0, waitedMs: 5000 }));
    await screen.findByText(/still behind \(it has seq 0\); still waiting/);
    expect(screen.getByText('Waiting for the read model to catch up to seq 1…', { exact: false })).toBeTruthy();
    expect(screen.getByTestId('balance').textContent).toBe('…');

    second.resolve(json(200, balance(100, 1)));
    await vi.waitFor(() => expect(screen.getByTestId('balance').textContent).toBe('100 points'));
    expect(screen.getByTestId('seq').textContent).toBe('1');
    expect(screen.queryByText(/Waiting for the read model/)).toBeNull();
    // Grants and history are read again once the read model has the command.
    await vi.waitFor(() => expect(api.calls.filter((c) => c.path === '/v1/users/alice/history')).toHaveLength(2));
    expect(api.calls.filter((c) => c.path === '/v1/users/alice/grants')).toHaveLength(2);
  });

  it('keeps waiting through a network error while catching up', async () => {
    let waits = 0;
    mockFetch((c) => {
      if (c.method === 'POST')
        return json(201, { useId: '0b6f3c9e-1d2a-4c5b-8e7f-9a0b1c2d3e4f', eventId: 'e', userId: 'alice', seq: 2, balance: 0, allocations: [] });
      if (c.url.searchParams.has('minSeq')) return waits++ === 0 ? networkDown() : json(200, balance(0, 2));
      return emptyUser(c)!;
    });
    render(<CustomerPage userId="alice" />);
    expect((await screen.findByTestId('balance')).textContent).toBe('0 points');
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Use' }));
    await user.type(screen.getByRole('textbox', { name: 'Amount' }), '5{Enter}');
    await screen.findByText(/The API cannot be reached.*Trying again/);
    await screen.findByTestId('seq', {}, { timeout: 3000 });
    expect(screen.getByTestId('seq').textContent).toBe('2');
  });

  it('pages back through the whole history with nextBeforeSeq', async () => {
    const api = mockFetch((c) => {
      if (c.path.endsWith('/history')) {
        const before = c.url.searchParams.get('beforeSeq');
        if (!before) return json(200, { items: Array.from({ length: 20 }, (_, i) => item(40 - i)), nextBeforeSeq: 21 });
        if (before === '21') return json(200, { items: Array.from({ length: 20 }, (_, i) => item(20 - i)), nextBeforeSeq: 1 });
        return json(200, { items: [], nextBeforeSeq: null });
      }
      if (c.path.endsWith('/balance')) return json(200, balance(400, 40));
      return json(200, []);
    });
    render(<CustomerPage userId="alice" />);
    const history = () => screen.getByRole('region', { name: 'History' });
    const firstSeq = () => within(history()).getAllByRole('row')[1]?.querySelector('td')?.textContent;
    await vi.waitFor(() => expect(firstSeq()).toBe('40'));
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Older →' }));
    await within(history()).findByText('Page 2');
    await vi.waitFor(() => expect(firstSeq()).toBe('20'));
    expect(within(history()).getAllByRole('row').length).toBe(21);
    await user.click(screen.getByRole('button', { name: 'Older →' }));
    await within(history()).findByText('Page 3');
    const last = api.calls.filter((c) => c.path.endsWith('/history')).map((c) => c.url.searchParams.get('beforeSeq'));
    expect(last).toEqual([null, '21', '1']);
    expect((screen.getByRole('button', { name: 'Older →' }) as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByRole('button', { name: '← Newer' }));
    await within(history()).findByText('Page 2');
  });

  it('says the API is down when it cannot be reached', async () => {
    mockFetch(() => networkDown());
    render(<CustomerPage userId="alice" />);
    const alerts = await screen.findAllByText('The API cannot be reached. Check that it is running.');
    // Balance, grants, holds and history.
    await vi.waitFor(() => expect(screen.getAllByText('The API cannot be reached. Check that it is running.').length).toBe(4));
    expect(alerts.length).toBeGreaterThan(0);
  });

  it('asks to re-enter the key on 401, and forgets the key when asked', async () => {
    mockFetch(() => apiError(401, 'UNAUTHORIZED', 'unknown API key'));
    render(<CustomerPage userId="alice" />);
    await screen.findAllByText('The API key was not accepted. Re-enter the admin key.');
    const buttons = await screen.findAllByRole('button', { name: 'Enter another key' });
    await userEvent.setup().click(buttons[0]!);
    expect(getApiKey()).toBeNull();
  });

  it('says 403 means a key without the admin scope', async () => {
    mockFetch(() => apiError(403, 'FORBIDDEN', 'this key lacks the scope points:read'));
    render(<CustomerPage userId="alice" />);
    const found = await screen.findAllByText('This key is not allowed to do that. Re-enter a key with the admin scope.');
    expect(found.length).toBeGreaterThan(0);
  });

  it('shows held and pending beside the balance, and "—" when the API does not send them', async () => {
    let withParts = true;
    mockFetch((c) => (c.path.endsWith('/balance') ? json(200, withParts ? { ...balance(60, 3), held: 40, pending: 100 } : balance(60, 3)) : emptyUser(c)!));
    const { unmount } = render(<CustomerPage userId="alice" />);
    await vi.waitFor(() => expect(screen.getByTestId('balance').textContent).toBe('60 points'));
    expect(screen.getByTestId('held').textContent).toBe('40');
    expect(screen.getByTestId('pending').textContent).toBe('100');
    unmount();
    withParts = false;
    render(<CustomerPage userId="alice" />);
    await vi.waitFor(() => expect(screen.getByTestId('balance').textContent).toBe('60 points'));
    expect(screen.getByTestId('held').textContent).toBe('—');
  });

  it('captures a hold from the list, waits for its seq, then reads balance, holds and history again', async () => {
    let captured = false;
    const gate = deferred();
    const api = mockFetch((c) => {
      if (c.method === 'POST') {
        captured = true;
        return json(201, {
          holdId: HOLD_ID,
          useId: USE_ID,
          eventId: 'e',
          userId: 'alice',
          seq: 4,
          balance: 60,
          held: 0,
          pending: 0,
          captured: 40,
          released: 0,
          allocations: [],
        });
      }
      if (c.path.endsWith('/balance')) {
        if (c.url.searchParams.get('minSeq') === '4') return gate.promise;
        return json(200, { ...balance(60, 3), held: 40, pending: 0 });
      }
      return lookups({ holds: [holdRecord({ state: captured ? 'CAPTURED' : 'ACTIVE', orderId: 'order-7' })] })(c) ?? emptyUser(c)!;
    });
    render(<CustomerPage userId="alice" />);
    const holds = () => screen.getByRole('region', { name: /Active holds/ });
    await within(holds()).findByRole('link', { name: HOLD_ID });
    await userEvent.setup().click(screen.getByRole('button', { name: `Capture hold ${HOLD_ID}` }));
    await screen.findByText('Waiting for the read model to catch up to seq 4…');
    expect(screen.queryByTestId('held')).toBeNull();
    gate.resolve(json(200, { ...balance(60, 4), held: 0, pending: 0 }));
    await vi.waitFor(() => expect(screen.getByTestId('held').textContent).toBe('0'));
    await within(holds()).findByText('No active holds.');
    expect(within(holds()).getByText(`Captured 40 points at seq 4 as use ${USE_ID}.`)).toBeTruthy();
    expect(api.calls.filter((c) => c.path === '/v1/users/alice/holds')).toHaveLength(2);
    expect(api.calls.filter((c) => c.path === '/v1/users/alice/history')).toHaveLength(2);
  });
});
