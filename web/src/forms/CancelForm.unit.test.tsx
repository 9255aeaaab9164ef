// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch } from '../test-support/fetch-mock.ts';
import { useComponentTestEnvironment } from '../test-support/environment.ts';
import { CancelForm } from './CancelForm.tsx';

const USE_ID = '0b6f3c9e-1d2a-4c5b-8e7f-9a0b1c2d3e4f';
const reply = {
  cancellationId: 'c',
  eventId: 'e',
  userId: 'alice',
  seq: 9,
  balance: 50,
  restored: [
    { grantId: 'g1', amount: 20, expired: false, revoked: false },
    { grantId: 'g2', amount: 10, expired: true, revoked: false },
  ],
};

describe('CancelForm', () => {
  useComponentTestEnvironment();

  it('needs a use id that is a UUID', async () => {
    const api = mockFetch(() => json(201, reply));
    render(<CancelForm onCommitted={vi.fn()} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Cancel the use' }));
    expect(screen.getByText('Enter the use id.')).toBeTruthy();
    await user.type(screen.getByLabelText('Use id'), 'not-a-uuid{Enter}');
    expect(screen.getByText(/The use id is a UUID/)).toBeTruthy();
    expect(api.calls).toHaveLength(0);
  });

  it('cancels all that is left with no amount, from a use picked in the history', async () => {
    const api = mockFetch(() => json(201, reply));
    const onCommitted = vi.fn();
    render(<CancelForm initialUseId={USE_ID} usedAmount={30} onCommitted={onCommitted} />);
    expect(screen.getByText(/a use of 30 points/)).toBeTruthy();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Cancel the use' }));
    await screen.findByText('Cancelled: 30 points given back at seq 9 (10 went to lapsed grants and expired again).');
    expect(api.calls[0]!.path).toBe(`/v1/points/uses/${USE_ID}/cancellations`);
    expect(api.calls[0]!.body).toEqual({});
    expect(onCommitted).toHaveBeenCalledWith(9);
  });

  it('cancels part of a use: the amount is checked and sent', async () => {
    const api = mockFetch(() => apiError(409, 'CANCEL_EXCEEDS_USE', 'only 5 points of this use are left to cancel'));
    render(<CancelForm initialUseId={USE_ID} onCommitted={vi.fn()} />);
    const user = userEvent.setup();
    await user.click(screen.getByLabelText('part of it'));
    await user.type(screen.getByLabelText('Points to give back'), '0{Enter}');
    expect(screen.getByText('The amount must be at least 1.')).toBeTruthy();
    await user.clear(screen.getByLabelText('Points to give back'));
    await user.type(screen.getByLabelText('Points to give back'), '12');
    await user.type(screen.getByLabelText(/Reason/), 'damaged{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('That is more than what is left of this use to cancel.');
    expect(api.calls[0]!.body).toEqual({ amount: 12, reason: 'damaged' });
  });
});
