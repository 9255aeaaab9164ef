// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { apiError, json, mockFetch } from '../test-support/fetch-mock.ts';
import { useComponentTestEnvironment } from '../test-support/environment.ts';
import { RevokeForm } from './RevokeForm.tsx';

const GRANT_ID = '0b6f3c9e-1d2a-4c5b-8e7f-9a0b1c2d3e4f';

describe('RevokeForm', () => {
  useComponentTestEnvironment();

  it('needs a grant id (UUID) and a reason of 1–200 characters', async () => {
    const api = mockFetch(() => json(201, {}));
    render(<RevokeForm onCommitted={vi.fn()} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Revoke what is left' }));
    expect(screen.getByText('Enter the grant id.')).toBeTruthy();
    expect(screen.getByText('Enter a reason.')).toBeTruthy();
    await user.type(screen.getByLabelText('Grant id'), 'xyz');
    await user.click(screen.getByLabelText('Reason'));
    await user.paste('r'.repeat(201));
    await user.keyboard('{Enter}');
    expect(screen.getByText(/The grant id is a UUID/)).toBeTruthy();
    expect(screen.getByText(/reason has at most 200/)).toBeTruthy();
    expect(api.calls).toHaveLength(0);
  });

  it('revokes a grant picked from the list', async () => {
    const api = mockFetch(() => json(201, { grantId: GRANT_ID, eventId: 'e', userId: 'alice', seq: 4, balance: 0, revoked: 250 }));
    const onCommitted = vi.fn();
    render(<RevokeForm initialGrantId={GRANT_ID} remaining={250} onCommitted={onCommitted} />);
    expect(screen.getByText(/250 points left on it/)).toBeTruthy();
    await userEvent.setup().type(screen.getByLabelText('Reason'), 'fraud{Enter}');
    await screen.findByText(`Revoked 250 points at seq 4 (grant ${GRANT_ID}).`);
    expect(api.calls[0]!.path).toBe(`/v1/points/grants/${GRANT_ID}/revocations`);
    expect(api.calls[0]!.body).toEqual({ reason: 'fraud' });
    expect(onCommitted).toHaveBeenCalledWith(4);
  });

  it('says ALREADY_REVOKED and NOT_FOUND in words', async () => {
    let code = 'ALREADY_REVOKED';
    mockFetch(() => apiError(code === 'NOT_FOUND' ? 404 : 409, code));
    render(<RevokeForm initialGrantId={GRANT_ID} onCommitted={vi.fn()} />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Reason'), 'again{Enter}');
    expect((await screen.findByRole('alert')).textContent).toContain('This grant has nothing left to revoke.');
    code = 'NOT_FOUND';
    await user.type(screen.getByLabelText('Reason'), '!{Enter}');
    await screen.findByText('Not found: there is no such grant, use, hold or order (or the read model has not seen it yet).');
  });

  it('revokes part of a grant: the amount is checked and sent', async () => {
    const api = mockFetch(() => json(201, { grantId: GRANT_ID, eventId: 'e', userId: 'alice', seq: 5, balance: 150, held: 0, pending: 0, revoked: 100 }));
    const onCommitted = vi.fn();
    render(<RevokeForm initialGrantId={GRANT_ID} remaining={250} onCommitted={onCommitted} />);
    const user = userEvent.setup();
    await user.click(screen.getByLabelText('part of it'));
    await user.type(screen.getByLabelText('Reason'), 'partial refund');
    await user.click(screen.getByRole('button', { name: 'Revoke these points' }));
    expect(screen.getByText('Enter an amount.')).toBeTruthy();
    expect(api.calls).toHaveLength(0);
    await user.type(screen.getByLabelText('Points to take back'), '100{Enter}');
    await screen.findByText(`Revoked 100 points at seq 5 (grant ${GRANT_ID}).`);
    expect(api.calls[0]!.body).toEqual({ reason: 'partial refund', amount: 100 });
    expect(onCommitted).toHaveBeenCalledWith(5);
  });

  it('sends no amount when all that remains is revoked, and says REVOKE_EXCEEDS_REMAINING in words', async () => {
    let n = 0;
    const api = mockFetch(() =>
      n++ === 0
        ? json(201, { grantId: GRANT_ID, eventId: 'e', userId: 'alice', seq: 4, balance: 0, revoked: 250 })
        : apiError(409, 'REVOKE_EXCEEDS_REMAINING', 'only 0 points remain'),
    );
    render(<RevokeForm initialGrantId={GRANT_ID} onCommitted={vi.fn()} />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Reason'), 'fraud{Enter}');
    await screen.findByText(/Revoked 250 points/);
    expect(api.calls[0]!.body).toEqual({ reason: 'fraud' });
    await user.click(screen.getByLabelText('part of it'));
    await user.type(screen.getByLabelText('Points to take back'), '5');
    await user.type(screen.getByLabelText('Reason'), 'again{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('That is more than what remains of this grant to revoke.');
    expect(api.calls[1]!.body).toEqual({ reason: 'again', amount: 5 });
  });
});
