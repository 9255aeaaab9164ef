// @vitest-environment jsdom
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { PipelineStatus } from '../api/types.ts';
import { apiError, json, mockFetch, networkDown } from '../test-support/fetch-mock.ts';
import { useComponentTestEnvironment } from '../test-support/environment.ts';
import { PipelinePage } from './PipelinePage.tsx';

const projector = (name: string, lag: number | null) => ({
  name, groupId: `projector-${name}`, lag, partitions: [], freshnessMs: 86, statusAgeMs: 1200, applied: 10,
  duplicatesSkipped: 0, deadLettered: 1, storeRetries: 0, gapsStopped: 0,
  lastEvent: { userId: 'alice', seq: 3, occurredAt: '2026-11-21T20:37:03.650Z', appliedAt: '2026-11-21T20:37:03.736Z' },
});

const status = (state: string): PipelineStatus => ({
  at: '2026-11-21T20:37:26.490Z',
  connector: { name: 'points-outbox', state, tasks: [{ id: 0, state }] },
  kafka: { reachable: true, topic: 'points.events', partitions: 6, messages: 82891 },
  projectors: [projector('redis', 0), projector('clickhouse', 1500)],
  deadLetter: { topic: 'points.events.dlq', messages: 42 },
});

describe('PipelinePage', () => {
  useComponentTestEnvironment();

  it('shows connector and task state, lag and freshness per projector, dead letters and the refresh time', async () => {
    mockFetch(() => json(200, status('RUNNING')));
    render(<PipelinePage />);
    await screen.findByText('points-outbox');
    expect(screen.getAllByText('RUNNING')).toHaveLength(2);
    expect(screen.getByTestId('dlq').textContent?.trim()).toBe('42');
    expect(screen.getAllByText('86 ms')).toHaveLength(2);
    expect(screen.getByText('1,500')).toBeTruthy();
    expect(screen.getByText(/Last refresh: /).textContent).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC · every 3 s/);
  });

  it('shows a failed connector in red', async () => {
    mockFetch(() => json(200, status('FAILED')));
    render(<PipelinePage />);
    const badges = await screen.findAllByText('FAILED');
    expect(badges[0]!.className).toContain('badge-bad');
  });

  it('says when the API is down', async () => {
    mockFetch(() => networkDown());
    render(<PipelinePage />);
    await screen.findByText('The pipeline status could not be loaded.');
    expect(screen.getByText('The API cannot be reached. Check that it is running.')).toBeTruthy();
  });

  it('says when the key is refused', async () => {
    mockFetch(() => apiError(403, 'FORBIDDEN', 'this key lacks the scope admin'));
    render(<PipelinePage />);
    await screen.findByText('This key is not allowed to do that. Re-enter a key with the admin scope.');
    expect(screen.getByRole('button', { name: 'Enter another key' })).toBeTruthy();
  });
});
