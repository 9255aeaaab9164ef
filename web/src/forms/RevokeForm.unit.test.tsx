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
    await screen.findByText('Not found: there is no such grant or use.');
  });
});
