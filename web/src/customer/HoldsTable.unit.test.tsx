// @vitest-environment jsdom
import { render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { HoldAnswer } from '../api/types.ts';
import type { AsyncState } from '../hooks/useAsync.ts';
import { apiError, HOLD_ID, holdRecord, json, mockFetch, networkDown, USE_ID, type Handler } from '../test-support/fetch-mock.ts';
import { useComponentTestEnvironment } from '../test-support/environment.ts';
import { HoldsTable } from './HoldsTable.tsx';

const OTHER = '3e9c6f2b-4a5d-4f8e-b1a2-cd3e4f506172';
const NOW = Date.parse('2026-11-21T10:00:00.000Z');
const common = { eventId: 'e', userId: 'alice', balance: 70, pending: 0 };
const captured = { holdId: HOLD_ID, useId: USE_ID, ...common, seq: 8, held: 0, captured: 25, released: 15, allocations: [{ grantId: 'g1', amount: 25 }] };
const released = { holdId: HOLD_ID, ...common, seq: 9, held: 0, released: 40, restored: [{ grantId: 'g1', amount: 40, expired: false, revoked: false }] };

const loaded = (data: HoldAnswer[]): AsyncState<HoldAnswer[]> => ({ data, error: undefined, loading: false, reload: () => {} });

function setup(
  handler: Handler,
  holds: HoldAnswer[] = [holdRecord({ orderId: 'order-7' }), holdRecord({ holdId: OTHER, amount: 5, expiresAt: '2026-11-21T14:00:00.000Z' })],
) {
  const api = mockFetch(handler);
  const onCommitted = vi.fn();
  render(<HoldsTable holds={loaded(holds)} stale={false} onCommitted={onCommitted} now={NOW} />);
  return { user: userEvent.setup(), api, onCommitted };
}

const row = (holdId: string) => document.querySelector<HTMLElement>(`tr[data-hold="${holdId}"]`)!;

describe('HoldsTable', () => {
  useComponentTestEnvironment();

  it('lists the active holds with amount, order and when they lapse; ids link to the lookup', () => {
    setup(() => json(201, captured));
    const first = within(row(HOLD_ID));
    expect(first.getByText('40')).toBeTruthy();
    expect(first.getByRole('link', { name: 'order-7' }).getAttribute('href')).toBe('#/find/order/order-7');
    expect(first.getByRole('link', { name: HOLD_ID }).getAttribute('href')).toBe(`#/find/hold/${HOLD_ID}`);
    expect(first.getByText('(in 15 min)')).toBeTruthy();
    expect(within(row(OTHER)).getByText('(in 4 h)')).toBeTruthy();
  });

  it('says so when there is none', () => {
    setup(() => json(200, {}), []);
    expect(screen.getByText('No active holds.')).toBeTruthy();
  });

  it('captures all of a hold with no amount, with an Idempotency-Key, and reports the seq', async () => {
    const { user, api, onCommitted } = setup(() => json(201, { ...captured, captured: 40, released: 0 }));
    await user.click(screen.getByRole('button', { name: `Capture hold ${HOLD_ID}` }));
    await screen.findByText(`Captured 40 points at seq 8 as use ${USE_ID}.`);
    expect(api.calls[0]!.method).toBe('POST');
    expect(api.calls[0]!.path).toBe(`/v1/points/holds/${HOLD_ID}/captures`);
    expect(api.calls[0]!.body).toEqual({});
    expect(api.calls[0]!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(onCommitted).toHaveBeenCalledWith(8);
  });

  it('captures part of a hold: the amount is checked and sent, the rest is released', async () => {
    const { user, api } = setup(() => json(201, captured));
    const input = screen.getByLabelText(/Points to capture of hold 2d8b5e1a/);
    await user.type(input, '0{Enter}');
    expect(within(row(HOLD_ID)).getByText('The amount must be at least 1.')).toBeTruthy();
    expect(api.calls).toHaveLength(0);
    await user.clear(input);
    await user.type(input, '25{Enter}');
    await screen.findByText(`Captured 25 points at seq 8 as use ${USE_ID}; the other 15 went back to the balance.`);
    expect(api.calls[0]!.body).toEqual({ amount: 25 });
  });

  it('releases a hold', async () => {
    const { user, api, onCommitted } = setup(() => json(201, released));
    await user.click(screen.getByRole('button', { name: `Release hold ${HOLD_ID}` }));
    await screen.findByText(`Released 40 points at seq 9 (hold ${HOLD_ID}).`);
    expect(api.calls[0]!.path).toBe(`/v1/points/holds/${HOLD_ID}/releases`);
    expect(api.calls[0]!.body).toEqual({});
    expect(onCommitted).toHaveBeenCalledWith(9);
  });

  it.each([
    ['CAPTURE_EXCEEDS_HOLD', 'That is more than the hold reserved.'],
    ['HOLD_NOT_ACTIVE', 'This hold is no longer active: it was captured, released or has lapsed.'],
  ])('says %s in words', async (code, words) => {
    const { user, onCommitted } = setup(() => apiError(409, code, `${code} from the API`));
    await user.type(screen.getByLabelText(/Points to capture of hold 2d8b5e1a/), '50{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(words);
    expect(alert.textContent).toContain(`${code} from the API`);
    expect(onCommitted).not.toHaveBeenCalled();
  });

  it('sends a capture again after a network error with the same Idempotency-Key', async () => {
    let n = 0;
    const { user, api } = setup(() => (n++ === 0 ? networkDown() : json(201, captured)));
    await user.click(screen.getByRole('button', { name: `Capture hold ${HOLD_ID}` }));
    await screen.findByText(/Submitting the same form again is safe/);
    await user.click(screen.getByRole('button', { name: `Capture hold ${HOLD_ID}` }));
    await screen.findByText(/Captured 25 points/);
    const keys = api.posts().map((c) => c.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });
});
