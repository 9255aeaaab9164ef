// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { apiError, HOLD_ID, json, mockFetch, type Handler } from '../test-support/fetch-mock.ts';
import { useComponentTestEnvironment } from '../test-support/environment.ts';
import { HoldForm } from './HoldForm.tsx';

const reply = {
  holdId: HOLD_ID,
  eventId: 'e',
  userId: 'alice',
  seq: 6,
  balance: 60,
  held: 40,
  pending: 0,
  allocations: [{ grantId: 'g1', amount: 40 }],
  expiresAt: '2026-11-21T10:15:00.000Z',
};

function setup(handler: Handler = () => json(201, reply)) {
  const api = mockFetch(handler);
  const onCommitted = vi.fn();
  render(<HoldForm userId="alice" onCommitted={onCommitted} />);
  return { user: userEvent.setup(), api, onCommitted };
}

describe('HoldForm', () => {
  useComponentTestEnvironment();

  it('checks amount, order id and time to live like the API, and sends nothing then', async () => {
    const { user, api } = setup();
    await user.click(screen.getByRole('button', { name: 'Hold points' }));
    expect(screen.getByText('Enter an amount.')).toBeTruthy();
    await user.type(screen.getByLabelText('Amount'), '40');
    await user.type(screen.getByLabelText(/Order id/), 'order 1');
    await user.type(screen.getByLabelText(/Lasts/), '59{Enter}');
    expect(screen.getByText(/An order id may only hold/)).toBeTruthy();
    expect(screen.getByText(/from 60 to 86,400 seconds/)).toBeTruthy();
    expect(api.calls).toHaveLength(0);
  });

  it('refuses a hold of more than a day', async () => {
    const { user, api } = setup();
    await user.type(screen.getByLabelText('Amount'), '40');
    await user.type(screen.getByLabelText(/Lasts/), '86401{Enter}');
    expect(screen.getByText(/from 60 to 86,400 seconds/)).toBeTruthy();
    expect(api.calls).toHaveLength(0);
  });

  it('holds points with order id and time to live, with an Idempotency-Key, and reports the seq', async () => {
    const { user, api, onCommitted } = setup();
    await user.type(screen.getByLabelText('Amount'), '40');
    await user.type(screen.getByLabelText(/Order id/), 'order-7');
    await user.type(screen.getByLabelText(/Lasts/), '600');
    await user.type(screen.getByLabelText(/Reason/), 'checkout{Enter}');
    await screen.findByText(`Held 40 points at seq 6 (hold ${HOLD_ID}, until 2026-11-21 10:15:00 UTC).`);
    const call = api.calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.path).toBe('/v1/points/holds');
    expect(call.body).toEqual({ userId: 'alice', amount: 40, orderId: 'order-7', ttlSeconds: 600, reason: 'checkout' });
    expect(call.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(onCommitted).toHaveBeenCalledWith(6);
  });

  it('leaves the optional fields out (the API holds for 900 s by default)', async () => {
    const { user, api } = setup();
    await user.type(screen.getByLabelText('Amount'), '40{Enter}');
    await screen.findByText(/Held 40 points/);
    expect(api.calls[0]!.body).toEqual({ userId: 'alice', amount: 40 });
  });

  it('says INSUFFICIENT_POINTS in words: a hold takes only from the balance', async () => {
    const { user, onCommitted } = setup(() => apiError(409, 'INSUFFICIENT_POINTS', 'the user has 10 usable points, 40 were asked'));
    await user.type(screen.getByLabelText('Amount'), '40{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The customer does not have enough usable points for this.');
    expect(alert.textContent).toContain('the user has 10 usable points, 40 were asked');
    expect(onCommitted).not.toHaveBeenCalled();
  });
});
