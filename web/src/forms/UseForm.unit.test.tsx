// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch, networkDown, type Handler } from '../test-support/fetch-mock.ts';
import { useComponentTestEnvironment } from '../test-support/environment.ts';
import { UseForm } from './UseForm.tsx';

const ok = json.bind(null, 201, { useId: '0b6f3c9e-1d2a-4c5b-8e7f-9a0b1c2d3e4f', eventId: 'e', userId: 'alice', seq: 3, balance: 70, allocations: [] });

/** Answers in turn, one per POST. */
function answers(...list: (() => Response | Promise<Response>)[]): Handler {
  let i = 0;
  return () => list[Math.min(i++, list.length - 1)]!();
}

function setup(handler: Handler) {
  const api = mockFetch(handler);
  const onCommitted = vi.fn();
  render(<UseForm userId="alice" onCommitted={onCommitted} />);
  return { user: userEvent.setup(), api, onCommitted, keys: () => api.posts().map((c) => c.headers['idempotency-key']) };
}

const send = () => screen.getByRole('button', { name: 'Use points' });

describe('UseForm', () => {
  useComponentTestEnvironment();

  it('checks amount, order id and reason like the API', async () => {
    const { user, api } = setup(ok);
    await user.type(screen.getByLabelText('Amount'), '0');
    await user.click(screen.getByLabelText(/Order id/));
    await user.paste('o'.repeat(101));
    await user.click(screen.getByLabelText(/Reason/));
    await user.paste('r'.repeat(201));
    await user.click(send());
    expect(screen.getByText('The amount must be at least 1.')).toBeTruthy();
    expect(screen.getByText(/order id has at most 100/)).toBeTruthy();
    expect(screen.getByText(/reason has at most 200/)).toBeTruthy();
    expect(api.calls).toHaveLength(0);
  });

  it('leaves optional fields out of the body when empty', async () => {
    const { user, api, onCommitted } = setup(ok);
    await user.type(screen.getByLabelText('Amount'), '30{Enter}');
    await screen.findByText(/Used 30 points at seq 3/);
    expect(api.calls[0]!.body).toEqual({ userId: 'alice', amount: 30 });
    expect(onCommitted).toHaveBeenCalledWith(3);
  });

  it('shows INSUFFICIENT_POINTS in words with the API message', async () => {
    const { user } = setup(() => apiError(409, 'INSUFFICIENT_POINTS', 'the user has 5 usable points, 30 were asked'));
    await user.type(screen.getByLabelText('Amount'), '30{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The customer does not have enough usable points for this.');
    expect(alert.textContent).toContain('the user has 5 usable points, 30 were asked');
  });

  it('resends the same command after a network error with the same Idempotency-Key', async () => {
    const { user, keys } = setup(answers(networkDown, ok));
    await user.type(screen.getByLabelText('Amount'), '30');
    await user.type(screen.getByLabelText(/Order id/), 'o-1{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The API cannot be reached');
    expect(screen.getByText(/Submitting the same form again is safe/)).toBeTruthy();
    await user.click(send());
    await screen.findByText(/Used 30 points/);
    expect(keys()).toHaveLength(2);
    expect(keys()[1]).toBe(keys()[0]);
  });

  it('resends after a 503 UNAVAILABLE with the same key too', async () => {
    const { user, keys } = setup(answers(() => apiError(503, 'UNAVAILABLE', 'the database is not available; try again'), ok));
    await user.type(screen.getByLabelText('Amount'), '30{Enter}');
    await screen.findByText('A service behind the API is down. Try again in a moment.');
    await user.click(send());
    await screen.findByText(/Used 30 points/);
    expect(keys()[1]).toBe(keys()[0]);
  });

  it('gives a changed form a new key, even after a network error', async () => {
    const { user, keys } = setup(answers(networkDown, ok));
    await user.type(screen.getByLabelText('Amount'), '30{Enter}');
    await screen.findByRole('alert');
    await user.clear(screen.getByLabelText('Amount'));
    await user.type(screen.getByLabelText('Amount'), '31{Enter}');
    await screen.findByText(/Used 31 points/);
    expect(keys()).toHaveLength(2);
    expect(keys()[1]).not.toBe(keys()[0]);
  });

  it('gives a new key after a refusal that is not a network error, and after a success', async () => {
    const { user, keys } = setup(answers(() => apiError(409, 'INSUFFICIENT_POINTS'), ok, ok));
    await user.type(screen.getByLabelText('Amount'), '30{Enter}');
    await screen.findByRole('alert');
    await user.click(send());
    await screen.findByText(/Used 30 points/);
    await user.type(screen.getByLabelText('Amount'), '30{Enter}');
    await vi.waitFor(() => expect(keys()).toHaveLength(3));
    expect(new Set(keys()).size).toBe(3);
  });
});
