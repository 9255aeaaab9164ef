// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch } from '../test-support/fetch-mock.ts';
import { TEST_KEY, useComponentTestEnvironment } from '../test-support/environment.ts';
import { GrantForm } from './GrantForm.tsx';

const reply = { grantId: '0b6f3c9e-1d2a-4c5b-8e7f-9a0b1c2d3e4f', eventId: 'e1', userId: 'alice', seq: 7, balance: 100, expiresAt: '2027-11-21T00:00:00.000Z' };

function setup(userId = 'alice') {
  const onCommitted = vi.fn();
  const api = mockFetch(() => json(201, reply));
  render(<GrantForm userId={userId} onCommitted={onCommitted} />);
  return { user: userEvent.setup(), api, onCommitted };
}

const submit = () => screen.getByRole('button', { name: 'Grant points' });
const errorOf = (label: string | RegExp) => {
  const input = screen.getByLabelText(label);
  expect(input.getAttribute('aria-invalid')).toBe('true');
  const id = input
    .getAttribute('aria-describedby')!
    .split(' ')
    .find((x) => x.endsWith('-error'))!;
  return document.getElementById(id)!.textContent;
};

describe('GrantForm', () => {
  useComponentTestEnvironment();

  it('asks for amount and reason, and sends nothing while the form is not valid', async () => {
    const { user, api } = setup();
    await user.click(submit());
    expect(errorOf('Amount')).toMatch(/Enter an amount/);
    expect(errorOf('Reason')).toMatch(/Enter a reason/);
    expect(api.calls).toHaveLength(0);
    await vi.waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Amount')));
  });

  it.each([
    ['0', /at least 1/],
    ['1000000001', /at most 1,000,000,000/],
    ['12.5', /whole number/],
    ['ten', /whole number/],
  ])('refuses the amount %s', async (amount, message) => {
    const { user, api } = setup();
    await user.type(screen.getByLabelText('Amount'), amount);
    await user.type(screen.getByLabelText('Reason'), 'welcome');
    await user.click(submit());
    expect(errorOf('Amount')).toMatch(message);
    expect(api.calls).toHaveLength(0);
  });

  it('refuses a reason over 200 characters and a source over 100', async () => {
    const { user, api } = setup();
    await user.type(screen.getByLabelText('Amount'), '10');
    await user.click(screen.getByLabelText('Reason'));
    await user.paste('r'.repeat(201));
    await user.click(screen.getByLabelText(/Source/));
    await user.paste('s'.repeat(101));
    await user.click(submit());
    expect(errorOf('Reason')).toMatch(/at most 200/);
    expect(errorOf(/Source/)).toMatch(/at most 100/);
    expect(api.calls).toHaveLength(0);
  });

  it.each([['0'], ['36501'], ['']])('refuses %s valid days', async (days) => {
    const { user, api } = setup();
    await user.type(screen.getByLabelText('Amount'), '10');
    await user.type(screen.getByLabelText('Reason'), 'welcome');
    await user.clear(screen.getByLabelText('Valid for (days)'));
    if (days) await user.type(screen.getByLabelText('Valid for (days)'), days);
    await user.click(submit());
    expect(errorOf('Valid for (days)')).toMatch(/days/);
    expect(api.calls).toHaveLength(0);
  });

  it('refuses an expiry in the past', async () => {
    const { user, api } = setup();
    await user.type(screen.getByLabelText('Amount'), '10');
    await user.type(screen.getByLabelText('Reason'), 'welcome');
    await user.click(screen.getByLabelText('until a date and time'));
    await user.type(screen.getByLabelText('Expires at (UTC)'), '2020-01-01T10:00');
    await user.click(submit());
    expect(errorOf('Expires at (UTC)')).toMatch(/in the future/);
    expect(api.calls).toHaveLength(0);
  });

  it('refuses to grant to a user id the API would refuse', async () => {
    const { user, api } = setup('bad id');
    await user.type(screen.getByLabelText('Amount'), '10');
    await user.type(screen.getByLabelText('Reason'), 'welcome');
    await user.click(submit());
    expect(screen.getByText(/A user id may only hold/)).toBeTruthy();
    expect(api.calls).toHaveLength(0);
  });

  it('sends a valid grant with Enter, a fresh Idempotency-Key and the key as Bearer', async () => {
    const { user, api, onCommitted } = setup();
    await user.type(screen.getByLabelText('Amount'), '100');
    await user.type(screen.getByLabelText(/Source/), 'campaign-1');
    await user.type(screen.getByLabelText('Reason'), 'welcome{Enter}');
    await screen.findByText(/Granted 100 points at seq 7/);
    expect(api.calls).toHaveLength(1);
    const call = api.calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.path).toBe('/v1/points/grants');
    expect(call.body).toEqual({ userId: 'alice', amount: 100, validDays: 365, reason: 'welcome', source: 'campaign-1' });
    expect(call.headers.authorization).toBe(`Bearer ${TEST_KEY}`);
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(onCommitted).toHaveBeenCalledWith(7);
  });

  it('sends expiresAt (as UTC) instead of validDays when a date is chosen', async () => {
    const { user, api } = setup();
    await user.type(screen.getByLabelText('Amount'), '5');
    await user.type(screen.getByLabelText('Reason'), 'promo');
    await user.click(screen.getByLabelText('until a date and time'));
    await user.type(screen.getByLabelText('Expires at (UTC)'), '2099-12-31T23:30');
    await user.click(submit());
    await screen.findByText(/Granted 5 points/);
    expect(api.calls[0]!.body).toEqual({ userId: 'alice', amount: 5, expiresAt: '2099-12-31T23:30:00.000Z', reason: 'promo' });
  });

  it('puts the fields a VALIDATION_FAILED answer names on those fields', async () => {
    const { user } = setup();
    mockFetch(() =>
      json(400, { error: { code: 'VALIDATION_FAILED', message: 'body.reason is bad', details: [{ field: 'body.reason', message: 'must not be blank' }] } }),
    );
    await user.type(screen.getByLabelText('Amount'), '5');
    await user.type(screen.getByLabelText('Reason'), 'x{Enter}');
    await screen.findByText('The API says: must not be blank');
    expect(screen.getByRole('alert').textContent).toContain('a field is not valid');
  });

  it('sends orderId and availableAt (as UTC): a pending grant, whose answer offers "Activate now"', async () => {
    const { user, onCommitted } = setup();
    const pending = { ...reply, seq: 8, balance: 0, held: 0, pending: 100, state: 'PENDING', availableAt: '2099-01-01T12:00:00.000Z' };
    const api = mockFetch((c) =>
      c.path.endsWith('/activations')
        ? json(201, { grantId: reply.grantId, eventId: 'e2', userId: 'alice', seq: 9, balance: 100, held: 0, pending: 0, activated: 100 })
        : json(201, pending),
    );
    await user.type(screen.getByLabelText('Amount'), '100');
    await user.type(screen.getByLabelText('Reason'), 'order reward');
    await user.type(screen.getByLabelText(/Order id/), 'order-9');
    await user.type(screen.getByLabelText(/Usable from/), '2099-01-01T12:00');
    await user.click(submit());
    await screen.findByText(`Granted 100 points at seq 8, pending until 2099-01-01 12:00:00 UTC (grant ${reply.grantId}, expires 2027-11-21 00:00:00 UTC).`);
    expect(api.calls[0]!.body).toEqual({
      userId: 'alice',
      amount: 100,
      validDays: 365,
      reason: 'order reward',
      orderId: 'order-9',
      availableAt: '2099-01-01T12:00:00.000Z',
    });
    expect(onCommitted).toHaveBeenLastCalledWith(8);
    expect(screen.getByRole('link', { name: 'Look the grant up' }).getAttribute('href')).toBe(`#/find/grant/${reply.grantId}`);

    await user.click(screen.getByRole('button', { name: /^Activate now/ }));
    await screen.findByText(`Activated 100 points at seq 9: they are usable now (grant ${reply.grantId}).`);
    const activation = api.calls[1]!;
    expect(activation.path).toBe(`/v1/points/grants/${reply.grantId}/activations`);
    expect(activation.method).toBe('POST');
    expect(activation.body).toEqual({});
    expect(activation.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(activation.headers['idempotency-key']).not.toBe(api.calls[0]!.headers['idempotency-key']);
    expect(onCommitted).toHaveBeenLastCalledWith(9);
    expect(screen.queryByRole('button', { name: /^Activate now/ })).toBeNull();
  });

  it('shows no "Activate now" for a grant usable at once', async () => {
    const { user } = setup();
    mockFetch(() => json(201, { ...reply, state: 'ACTIVE', availableAt: null }));
    await user.type(screen.getByLabelText('Amount'), '5');
    await user.type(screen.getByLabelText('Reason'), 'x{Enter}');
    await screen.findByText(/Granted 5 points at seq 7 \(grant/);
    expect(screen.queryByRole('button', { name: /^Activate now/ })).toBeNull();
  });

  it('says NOT_PENDING in words when the grant became usable meanwhile', async () => {
    const { user } = setup();
    mockFetch((c) =>
      c.path.endsWith('/activations')
        ? apiError(409, 'NOT_PENDING', 'the grant is not pending')
        : json(201, { ...reply, state: 'PENDING', availableAt: '2099-01-01T00:00:00.000Z' }),
    );
    await user.type(screen.getByLabelText('Amount'), '5');
    await user.type(screen.getByLabelText('Reason'), 'x');
    await user.type(screen.getByLabelText(/Usable from/), '2099-01-01T00:00{Enter}');
    await user.click(await screen.findByRole('button', { name: /^Activate now/ }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('This grant is not pending (any more)');
    expect(alert.textContent).toContain('NOT_PENDING');
  });

  it('refuses an availableAt in the past, after the expiry, or an order id the API would refuse', async () => {
    const { user, api } = setup();
    await user.type(screen.getByLabelText('Amount'), '10');
    await user.type(screen.getByLabelText('Reason'), 'welcome');
    await user.type(screen.getByLabelText(/Order id/), 'order/1');
    await user.type(screen.getByLabelText(/Usable from/), '2020-01-01T10:00');
    await user.click(submit());
    expect(errorOf(/Usable from/)).toMatch(/must be in the future/);
    expect(errorOf(/Order id/)).toMatch(/may only hold/);
    await user.clear(screen.getByLabelText(/Order id/));
    await user.clear(screen.getByLabelText(/Usable from/));
    await user.type(screen.getByLabelText(/Usable from/), '2099-06-01T10:00');
    await user.click(screen.getByLabelText('until a date and time'));
    await user.type(screen.getByLabelText('Expires at (UTC)'), '2099-01-01T10:00');
    await user.click(submit());
    expect(errorOf(/Usable from/)).toMatch(/before they expire/);
    expect(api.calls).toHaveLength(0);
  });
});
