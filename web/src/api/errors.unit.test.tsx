// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../../schemas/http-errors.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { useComponentTestEnvironment } from '../test-support/environment.ts';
import { API_ERROR_CODES, ApiError, ERROR_WORDS, describeCode } from './errors.ts';

describe('error codes in words', () => {
  useComponentTestEnvironment();

  // ERROR_STATUS is the table of the codes of API.md the API answers with (schemas/http-errors.ts).
  it('has a sentence for every error code of the API', () => {
    const documented = Object.keys(ERROR_STATUS);
    expect(documented.length).toBe(18);
    for (const code of documented) {
      expect(API_ERROR_CODES).toContain(code);
      expect(ERROR_WORDS[code as keyof typeof ERROR_WORDS]).toMatch(/\.$/);
    }
    expect([...API_ERROR_CODES].sort()).toEqual([...documented].sort());
  });

  it('gives every code its own sentence, and unknown codes a general one', () => {
    const sentences = API_ERROR_CODES.map((c) => ERROR_WORDS[c]);
    expect(new Set(sentences).size).toBe(sentences.length);
    expect(describeCode('SOMETHING_NEW')).toBe('The API refused the request (SOMETHING_NEW).');
  });

  it.each(API_ERROR_CODES.map((c) => [c]))('shows %s in words with the API message', (code) => {
    render(<ErrorMessage error={new ApiError(code, `message for ${code}`, ERROR_STATUS[code])} />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain(ERROR_WORDS[code]);
    expect(alert.textContent).toContain(`message for ${code}`);
    expect(alert.textContent).toContain(code);
  });

  it('lists the fields a VALIDATION_FAILED names', () => {
    const e = new ApiError('VALIDATION_FAILED', 'body.amount must be >= 1', 400, [{ field: 'body.amount', message: 'must be >= 1' }]);
    render(<ErrorMessage error={e} />);
    expect(screen.getByRole('listitem').textContent).toBe('body.amount must be >= 1');
  });

  it('offers to enter another key on 401 and 403 only', () => {
    const { unmount } = render(<ErrorMessage error={new ApiError('UNAUTHORIZED', 'unknown API key', 401)} />);
    expect(screen.getByRole('button', { name: 'Enter another key' })).toBeTruthy();
    unmount();
    render(<ErrorMessage error={new ApiError('FORBIDDEN', 'this key lacks the scope admin', 403)} />);
    expect(screen.getByRole('button', { name: 'Enter another key' })).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('Re-enter a key with the admin scope');
  });
});
