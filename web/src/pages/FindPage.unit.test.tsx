// @vitest-environment jsdom
import { render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ERROR_WORDS } from '../api/errors.ts';
import {
  apiError,
  deferred,
  GRANT_ID,
  grantRecord,
  HOLD_ID,
  holdRecord,
  json,
  lookups,
  mockFetch,
  USE_ID,
  pointsUseRecord,
  type Records,
} from '../test-support/fetch-mock.ts';
import { useComponentTestEnvironment } from '../test-support/environment.ts';
import { FindPage } from './FindPage.tsx';

const SECOND_GRANT = '4fa07a3c-5b6e-4a9f-8c23-de4f50617283';
const CANCELLATION = '5ab18b4d-6c7f-4b0a-9d34-ef5061728394';

const records: Records = {
  grants: [
    grantRecord({ orderId: 'order-7', state: 'ACTIVE', amount: 100, remaining: 60 }),
    grantRecord({
      grantId: SECOND_GRANT,
      userId: 'bob',
      state: 'PENDING',
      amount: 50,
      remaining: 50,
      availableAt: '2099-01-01T00:00:00.000Z',
      orderId: 'order-7',
    }),
  ],
  uses: [
    pointsUseRecord({
      amount: 40,
      canceled: 10,
      orderId: 'order-7',
      holdId: HOLD_ID,
      allocations: [
        { grantId: GRANT_ID, amount: 30 },
        { grantId: SECOND_GRANT, amount: 10 },
      ],
      cancellations: [{ cancellationId: CANCELLATION, amount: 10, occurredAt: '2026-11-21T11:00:00.000Z' }],
    }),
  ],
  holds: [holdRecord({ state: 'CAPTURED', amount: 40, captured: 40, useId: USE_ID, orderId: 'order-7' })],
};

const gets = (calls: { method: string; path: string }[]) => calls.filter((c) => c.method === 'GET').map((c) => c.path);

describe('FindPage', () => {
  useComponentTestEnvironment();

  it('asks for an id, checks it, and goes to #/find/<id>', async () => {
    const api = mockFetch(() => json(200, {}));
    render(<FindPage kind={null} id={null} />);
    expect(screen.getByText(/Enter an order id to see its grants, uses and holds/)).toBeTruthy();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText(/Order, grant, use or hold id/), 'order 7{Enter}');
    expect(screen.getByText(/An order id may only hold/)).toBeTruthy();
    expect(window.location.hash).toBe('');
    await user.clear(screen.getByLabelText(/Order, grant, use or hold id/));
    await user.type(screen.getByLabelText(/Order, grant, use or hold id/), 'order-7{Enter}');
    expect(window.location.hash).toBe('#/find/order-7');
    expect(api.calls).toHaveLength(0);
  });

  it('looks an order id up once and shows its grants, uses and holds, every id a link', async () => {
    const api = mockFetch((c) => lookups(records)(c) ?? json(404, {}));
    render(<FindPage kind={null} id="order-7" />);
    const grants = await screen.findByTestId('order-grants');
    expect(gets(api.calls)).toEqual(['/v1/orders/order-7']);
    expect(within(grants).getAllByRole('row')).toHaveLength(3);
    expect(
      within(grants)
        .getByRole('link', { name: `Look up grant ${SECOND_GRANT}` })
        .getAttribute('href'),
    ).toBe(`#/find/grant/${SECOND_GRANT}`);
    expect(within(grants).getByText('PENDING')).toBeTruthy();
    expect(within(grants).getByRole('link', { name: 'bob' }).getAttribute('href')).toBe('#/customer/bob');
    const uses = screen.getByTestId('order-uses');
    expect(
      within(uses)
        .getByRole('link', { name: `Look up use ${USE_ID}` })
        .getAttribute('href'),
    ).toBe(`#/find/use/${USE_ID}`);
    const holds = screen.getByTestId('order-holds');
    expect(within(holds).getByText('CAPTURED')).toBeTruthy();
    expect(
      within(holds)
        .getByRole('link', { name: `Look up hold ${HOLD_ID}` })
        .getAttribute('href'),
    ).toBe(`#/find/hold/${HOLD_ID}`);
  });

  it('tries a typed-in UUID as grant, use and hold, and shows the use with its allocations and cancellations', async () => {
    const api = mockFetch((c) => lookups(records)(c) ?? json(404, {}));
    render(<FindPage kind={null} id={USE_ID.toUpperCase()} />);
    await screen.findByText('Allocations');
    expect(gets(api.calls).sort()).toEqual([`/v1/grants/${USE_ID}`, `/v1/holds/${USE_ID}`, `/v1/uses/${USE_ID}`]);
    expect(screen.getByTestId('use-amount').textContent).toBe('40');
    expect(screen.getByTestId('use-canceled').textContent).toBe('10');
    const first = screen.getByRole('link', { name: `Look up grant ${GRANT_ID}` });
    expect(first.getAttribute('href')).toBe(`#/find/grant/${GRANT_ID}`);
    expect(screen.getByRole('link', { name: `Look up grant ${SECOND_GRANT}` })).toBeTruthy();
    expect(screen.getByText(CANCELLATION)).toBeTruthy();
    expect(screen.getByText('2026-11-21 11:00:00 UTC')).toBeTruthy();
    expect(screen.getByRole('link', { name: HOLD_ID }).getAttribute('href')).toBe(`#/find/hold/${HOLD_ID}`);
  });

  it('asks once when the link names the kind: a hold with its state, what it captured and its use', async () => {
    const api = mockFetch((c) => lookups(records)(c) ?? json(404, {}));
    render(<FindPage kind="hold" id={HOLD_ID} />);
    await screen.findByTestId('hold-state');
    expect(gets(api.calls)).toEqual([`/v1/holds/${HOLD_ID}`]);
    expect(screen.getByTestId('hold-state').textContent).toBe('CAPTURED');
    expect(screen.getByTestId('hold-captured').textContent).toBe('40');
    expect(within(screen.getByTestId('hold-use')).getByRole('link').getAttribute('href')).toBe(`#/find/use/${USE_ID}`);
  });

  it('shows a grant: state, amount, remaining, order', async () => {
    mockFetch((c) => lookups(records)(c) ?? json(404, {}));
    render(<FindPage kind="grant" id={GRANT_ID} />);
    await screen.findByTestId('grant-state');
    expect(screen.getByTestId('grant-state').textContent).toBe('ACTIVE');
    expect(screen.getByTestId('grant-amount').textContent).toBe('100');
    expect(screen.getByTestId('grant-remaining').textContent).toBe('60');
    expect(within(screen.getByTestId('grant-order')).getByRole('link', { name: 'order-7' }).getAttribute('href')).toBe('#/find/order/order-7');
    expect(screen.queryByRole('button', { name: /^Activate now/ })).toBeNull();
  });

  it('activates a pending grant, then reads it again with its userId and minSeq', async () => {
    let activated = false;
    const api = mockFetch((c) => {
      if (c.method === 'POST') {
        activated = true;
        return json(201, { grantId: SECOND_GRANT, eventId: 'e', userId: 'bob', seq: 12, balance: 50, held: 0, pending: 0, activated: 50 });
      }
      const g = records.grants![1]!;
      return json(200, activated && c.url.searchParams.get('minSeq') === '12' ? { ...g, state: 'ACTIVE', availableAt: undefined } : g);
    });
    render(<FindPage kind="grant" id={SECOND_GRANT} />);
    await screen.findByText(/Pending: its points are not in the balance/);
    await userEvent.setup().click(screen.getByRole('button', { name: /^Activate now/ }));
    await screen.findByText(`Activated 50 points at seq 12: they are usable now (grant ${SECOND_GRANT}).`);
    await vi.waitFor(() => expect(screen.getByTestId('grant-state').textContent).toBe('ACTIVE'));
    const post = api.posts()[0]!;
    expect(post.path).toBe(`/v1/points/grants/${SECOND_GRANT}/activations`);
    expect(post.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    const reread = api.calls.filter((c) => c.method === 'GET')[1]!;
    expect(reread.url.searchParams.get('userId')).toBe('bob');
    expect(reread.url.searchParams.get('minSeq')).toBe('12');
    expect(Number(reread.url.searchParams.get('waitMs'))).toBeGreaterThan(0);
  });

  it('says NOT_FOUND with the ErrorMessage when nothing has the UUID (after trying it as an order id too)', async () => {
    const unknown = '6bc29c5e-7d80-4c1b-ae45-f06172839405';
    const api = mockFetch((c) => lookups(records)(c) ?? json(404, {}));
    render(<FindPage kind={null} id={unknown} />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(ERROR_WORDS.NOT_FOUND);
    expect(alert.getAttribute('data-code')).toBe('NOT_FOUND');
    expect(gets(api.calls)).toHaveLength(4);
    expect(gets(api.calls)).toContain(`/v1/orders/${unknown}`);
  });

  it('says NOT_FOUND for an order nothing carries, and PROJECTION_BEHIND in words', async () => {
    let code = 'NOT_FOUND';
    mockFetch(() => (code === 'NOT_FOUND' ? apiError(404, 'NOT_FOUND', 'no order x') : apiError(504, 'PROJECTION_BEHIND', 'not yet')));
    const { unmount } = render(<FindPage kind={null} id="order-x" />);
    expect((await screen.findByRole('alert')).textContent).toContain(ERROR_WORDS.NOT_FOUND);
    unmount();
    code = 'PROJECTION_BEHIND';
    render(<FindPage kind="order" id="order-x" />);
    expect((await screen.findByRole('alert')).textContent).toContain(ERROR_WORDS.PROJECTION_BEHIND);
  });

  it('shows an error that is not NOT_FOUND, e.g. a key without the scope, rather than trying on', async () => {
    const api = mockFetch((c) =>
      c.path.startsWith('/v1/uses/') ? apiError(403, 'FORBIDDEN', 'this key lacks the scope points:read') : apiError(404, 'NOT_FOUND'),
    );
    render(<FindPage kind={null} id={USE_ID} />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(ERROR_WORDS.FORBIDDEN);
    expect(screen.getByRole('button', { name: 'Enter another key' })).toBeTruthy();
    expect(gets(api.calls)).toHaveLength(3);
  });

  it('keeps what it shows while refreshing', async () => {
    const second = deferred();
    let n = 0;
    mockFetch(() => (n++ === 0 ? json(200, records.grants![0]) : second.promise));
    render(<FindPage kind="grant" id={GRANT_ID} />);
    await screen.findByTestId('grant-state');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Refresh' }));
    expect(screen.getByTestId('grant-state').textContent).toBe('ACTIVE');
    second.resolve(json(200, { ...records.grants![0], state: 'REVOKED', remaining: 0 }));
    await vi.waitFor(() => expect(screen.getByTestId('grant-state').textContent).toBe('REVOKED'));
  });
});
