// @vitest-environment jsdom
import { render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../api/types.ts';
import { apiError, json, mockFetch } from '../../test-support/fetch-mock.ts';
import { useComponentTestEnvironment } from '../../test-support/environment.ts';
import { DeadLettersPage, payloadBytes } from './DeadLettersPage.tsx';
import { redriveOutcome } from './RedrivePanel.tsx';

const letter = (dlqOffset: number, over: Partial<DeadLetter> = {}): DeadLetter => ({
  projector: 'redis',
  partition: 3,
  offset: 1200 + dlqOffset,
  key: 'alice',
  reason: 'unknown magic byte',
  at: '2026-12-03T10:00:00.000Z',
  payloadBase64: 'bm90IGF2cm8gYXQgYWxs',
  dlqPartition: 0,
  dlqOffset,
  ...over,
});

const reply = {
  redriven: 3,
  applied: 1,
  stillFailing: 2,
  alreadyApplied: 0,
  skipped: 0,
  requestId: 'r',
  projector: 'redis' as const,
  instance: 'i',
  startedAt: '2026-12-03T10:00:00.000Z',
  tookMs: 12,
  appliedLetters: [],
  failures: [],
};

describe('DeadLettersPage', () => {
  useComponentTestEnvironment();

  it('lists the letters: projector, place in the points topic, key, reason, time, last redrive', async () => {
    mockFetch(() =>
      json(200, {
        items: [
          letter(0),
          letter(1, {
            projector: 'clickhouse',
            key: null,
            redrive: { at: '2026-12-03T11:00:00.000Z', outcome: 'stillFailing', reason: 'gap', requestId: 'x' },
          }),
        ],
        nextCursor: null,
      }),
    );
    render(<DeadLettersPage />);
    const rows = within(await screen.findByTestId('dead-letters')).getAllByRole('row');
    expect(rows[0]!.textContent).toBe('ProjectorPartitionOffsetKeyReasonAtLast redrivePayload');
    expect(rows[1]!.textContent).toBe('redis31200aliceunknown magic byte2026-12-03 10:00:00 UTC—15 B');
    expect(within(rows[1]!).getByRole('link', { name: 'alice' }).getAttribute('href')).toBe('#/customer/alice');
    expect(rows[2]!.textContent).toContain('still failing (gap) · 2026-12-03 11:00:00 UTC');
    expect(screen.getByRole('button', { name: 'Redrive redis' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Redrive clickhouse' })).toBeTruthy();
  });

  it('redrives one projector, says what it did, and reads the list again', async () => {
    const api = mockFetch((c) => (c.method === 'POST' ? json(200, reply) : json(200, { items: [letter(0)], nextCursor: null })));
    render(<DeadLettersPage />);
    await screen.findByTestId('dead-letters');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Redrive redis' }));
    expect((await screen.findByTestId('redrive-redis')).textContent).toBe('redis: 3 redriven: 1 applied, 2 still failing.');
    const post = api.posts()[0]!;
    expect(post.path).toBe('/v1/pipeline/dead-letters/redrive');
    expect(post.body).toEqual({ projector: 'redis' });
    await waitFor(() => expect(api.calls.filter((c) => c.path === '/v1/pipeline/dead-letters')).toHaveLength(2));
  });

  it('narrows the list to a projector and a key, and pages on with the cursor', async () => {
    const api = mockFetch((c) =>
      json(200, c.url.searchParams.get('cursor') === 'n1' ? { items: [letter(5)], nextCursor: null } : { items: [letter(0)], nextCursor: 'n1' }),
    );
    render(<DeadLettersPage />);
    await screen.findByTestId('dead-letters');
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Projector'), 'clickhouse');
    await user.type(screen.getByLabelText('Key (user id)'), 'alice{Enter}');
    await waitFor(() => expect(api.calls).toHaveLength(2));
    expect(Object.fromEntries(api.calls[1]!.url.searchParams)).toEqual({ limit: '50', projector: 'clickhouse', key: 'alice' });
    await user.click(await screen.findByRole('button', { name: 'Next page →' }));
    await waitFor(() => expect(api.calls).toHaveLength(3));
    expect(Object.fromEntries(api.calls[2]!.url.searchParams)).toEqual({ limit: '50', cursor: 'n1', projector: 'clickhouse', key: 'alice' });
    await screen.findByText('Page 2');
  });

  it('says when no projector answers the redrive', async () => {
    mockFetch((c) => (c.method === 'POST' ? apiError(503, 'UNAVAILABLE', 'no redis projector took the request') : json(200, { items: [], nextCursor: null })));
    render(<DeadLettersPage />);
    await screen.findByText('No dead letters.');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Redrive clickhouse' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The redrive of clickhouse failed.');
    expect(alert.textContent).toContain('no redis projector took the request');
  });

  it('counts payload bytes and words the other counts of a redrive', () => {
    expect(payloadBytes('')).toBe(0);
    expect(payloadBytes('YQ==')).toBe(1);
    expect(payloadBytes('YWI=')).toBe(2);
    expect(payloadBytes('YWJj')).toBe(3);
    expect(redriveOutcome({ ...reply, redriven: 2, applied: 0, stillFailing: 0, alreadyApplied: 2, skipped: 4 })).toBe(
      '2 redriven: 0 applied, 0 still failing. (2 already in the read model; 4 skipped: an earlier redrive applied them.)',
    );
  });
});
