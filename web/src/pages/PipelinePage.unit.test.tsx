// @vitest-environment jsdom
import { render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { PipelineStatus } from '../api/types.ts';
import { apiError, json, mockFetch, networkDown } from '../test-support/fetch-mock.ts';
import { useComponentTestEnvironment } from '../test-support/environment.ts';
import { PipelinePage } from './PipelinePage.tsx';

const projector = (name: string, lag: number | null) => ({
  name,
  groupId: `projector-${name}`,
  lag,
  partitions: [],
  freshnessMs: 86,
  statusAgeMs: 1200,
  applied: 10,
  duplicatesSkipped: 0,
  deadLettered: 1,
  storeRetries: 0,
  gapsStopped: 0,
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

// The answers of an API that reports CDC lag (issue 10): connectors, projector state, end-to-end freshness, history.
type Connector = NonNullable<PipelineStatus['connectors']>[number];
type Projector = PipelineStatus['projectors'][number];

const connector = (over: Partial<Connector> = {}): Connector => ({
  name: 'points-outbox',
  state: 'RUNNING',
  tasks: [{ id: 0, state: 'RUNNING', workerId: '127.0.0.1:18083' }],
  database: { file: 'mariadb-bin.000002', pos: 571139 },
  connectorAt: { file: 'mariadb-bin.000002', pos: 571139, tsSec: 1796171992 },
  bytesBehind: 0,
  msBehind: 0,
  ...over,
});

const lagStatus = (over: { connectors?: Connector[]; projectors?: Projector[]; freshnessMs?: number | null } = {}): PipelineStatus => {
  const connectors = over.connectors ?? [connector()];
  const first = connectors[0];
  return {
    ...status('RUNNING'),
    connector: first ? { name: first.name, state: first.state, tasks: first.tasks.map((t) => ({ id: t.id, state: t.state })) } : null,
    connectors,
    projectors: over.projectors ?? [
      { ...projector('redis', 0), state: 'running', consumerRestarts: 0, freshnessMs: 60 },
      { ...projector('clickhouse', 0), state: 'running', consumerRestarts: 0, freshnessMs: 420 },
    ],
    freshnessMs: over.freshnessMs === undefined ? 420 : over.freshnessMs,
  };
};

const t0 = Date.parse('2026-12-02T00:40:00.000Z');
const point = (i: number, cdcMs: number | null, freshnessMs: number | null, redis: number | null, clickhouse: number | null) => ({
  at: new Date(t0 + i * 2000).toISOString(),
  cdcBytesBehind: cdcMs === null ? null : cdcMs * 10,
  cdcMsBehind: cdcMs,
  projectorLag: { redis, clickhouse },
  freshnessMs,
});
const historyOf = (points: ReturnType<typeof point>[]) => ({ intervalMs: 2000, points });

function mockPipeline(s: () => PipelineStatus, h: () => Response | Promise<Response> = () => json(200, historyOf([]))) {
  return mockFetch((c) => (c.path === '/v1/pipeline/history' ? h() : json(200, s())));
}

const connectorPanel = () => screen.getByRole('region', { name: 'Connector' });

describe('PipelinePage: CDC lag, projector state, freshness and history', () => {
  useComponentTestEnvironment();

  it('shows a caught-up connector: its state, 0 B and 0 ms behind, the binlog positions and its task, without warning', async () => {
    mockPipeline(() => lagStatus());
    render(<PipelinePage />);
    const line = await screen.findByTestId('cdc-lag');
    expect(line.textContent).toBe('CDC lag:0 Bof binlog behind,0 msbehind source');
    expect(within(line).getByText('0 B').className).toContain('badge-ok');
    expect(within(line).getByText('0 ms').className).toContain('badge-ok');
    const panel = connectorPanel();
    expect(panel.className).not.toMatch(/panel-(warn|bad)/);
    expect(within(panel).getAllByText('mariadb-bin.000002:571139')).toHaveLength(2);
    expect(within(panel).getByText('event of 2026-12-02 00:39:52 UTC')).toBeTruthy();
    expect(within(panel).getByText(/^Task 0/).textContent).toBe('Task 0 RUNNING on 127.0.0.1:18083');
    expect(within(panel).getAllByText('RUNNING')).toHaveLength(2);
  });

  it('warns when the connector is behind, in readable units', async () => {
    mockPipeline(() =>
      lagStatus({ connectors: [connector({ bytesBehind: 24_300, msBehind: 1200, connectorAt: { file: 'mariadb-bin.000002', pos: 546839 } })] }),
    );
    render(<PipelinePage />);
    const line = await screen.findByTestId('cdc-lag');
    expect(within(line).getByText('24.3 kB').className).toContain('badge-warn');
    expect(within(line).getByText('1.2 s').className).toContain('badge-warn');
    expect(connectorPanel().className).toContain('panel-warn');
    expect(screen.getByText('Behind its database: the newest committed events are not in Kafka yet.')).toBeTruthy();
  });

  it('shows a connector that is not RUNNING in red, and unknown where its lag cannot be measured', async () => {
    mockPipeline(() =>
      lagStatus({
        connectors: [
          connector({
            state: 'UNREACHABLE',
            tasks: [],
            database: { file: 'mariadb-bin.000002', pos: 9 },
            connectorAt: null,
            bytesBehind: null,
            msBehind: null,
            error: 'connect ECONNREFUSED 127.0.0.1:18083',
          }),
        ],
        freshnessMs: null,
      }),
    );
    render(<PipelinePage />);
    const line = await screen.findByTestId('cdc-lag');
    const unknown = within(line).getAllByText('unknown');
    expect(unknown).toHaveLength(2);
    for (const u of unknown) expect(u.className).toContain('badge-warn');
    const panel = connectorPanel();
    expect(panel.className).toContain('panel-bad');
    expect(within(panel).getByText('UNREACHABLE').className).toContain('badge-bad');
    expect(within(panel).getByText('connect ECONNREFUSED 127.0.0.1:18083')).toBeTruthy();
    expect(within(panel).getByText(/^Not running \(UNREACHABLE\)/)).toBeTruthy();
    expect(within(panel).getByText('unknown', { selector: 'code' })).toBeTruthy();
    expect(within(panel).getByText('No tasks.')).toBeTruthy();
    // End to end: unknown too, as a warning.
    expect(screen.getByTestId('freshness').textContent).toBe('unknown');
    expect(screen.getByTestId('freshness').className).toContain('warn');
  });

  it('a RUNNING connector whose time behind is unknown is a warning, not an error', async () => {
    mockPipeline(() => lagStatus({ connectors: [connector({ bytesBehind: 0, msBehind: null })] }));
    render(<PipelinePage />);
    const line = await screen.findByTestId('cdc-lag');
    expect(within(line).getByText('0 B').className).toContain('badge-ok');
    expect(within(line).getByText('unknown').className).toContain('badge-warn');
    expect(connectorPanel().className).toContain('panel-warn');
    expect(screen.getByText('How far it is behind cannot be measured right now.')).toBeTruthy();
  });

  it('shows the end-to-end freshness prominently, as a warning once it is high', async () => {
    let freshnessMs = 420;
    mockPipeline(() => lagStatus({ freshnessMs }));
    render(<PipelinePage />);
    const big = await screen.findByTestId('freshness');
    expect(big.textContent).toBe('420 ms');
    expect(big.className).not.toContain('warn');
    expect(screen.getByRole('region', { name: 'End-to-end freshness' })).toBeTruthy();
    freshnessMs = 12_400;
    await userEvent.setup().click(screen.getByRole('button', { name: 'Refresh now' }));
    await waitFor(() => expect(screen.getByTestId('freshness').textContent).toBe('12.4 s'));
    expect(screen.getByTestId('freshness').className).toContain('warn');
    expect(screen.getByText(/Over 5\.0 s: the read models are behind\./)).toBeTruthy();
  });

  it("shows each projector's state, lag, freshness and consumer restarts; stalled and not reporting as warnings", async () => {
    mockPipeline(() =>
      lagStatus({
        projectors: [
          { ...projector('redis', 0), state: 'running', consumerRestarts: 0, freshnessMs: 61 },
          { ...projector('clickhouse', 250), state: 'stalled', consumerRestarts: 3, freshnessMs: 42_000, statusAgeMs: 31_000 },
          { ...projector('audit', null), state: 'not reporting', consumerRestarts: 0, freshnessMs: null, statusAgeMs: null, lastEvent: null },
        ],
      }),
    );
    render(<PipelinePage />);
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    const cell = (r: number, label: string) => rows[r]!.querySelector(`td[data-label="${label}"]`)!;
    expect(within(rows[0]!).getByText('running').className).toContain('badge-ok');
    expect(cell(0, 'Freshness').textContent).toBe('61 ms');
    expect(cell(0, 'Consumer restarts').textContent).toBe('0');
    expect(rows[0]!.className).not.toContain('row-warn');

    expect(within(rows[1]!).getByText('stalled').className).toContain('badge-warn');
    expect(rows[1]!.className).toContain('row-warn');
    expect(within(cell(1, 'Lag') as HTMLElement).getByText('250').className).toContain('badge-warn');
    expect(cell(1, 'Freshness').textContent).toBe('42.0 s');
    expect(within(cell(1, 'Consumer restarts') as HTMLElement).getByText('3').className).toContain('badge-warn');
    expect(cell(1, 'Status age').textContent).toBe('31.0 s');

    expect(within(rows[2]!).getByText('not reporting').className).toContain('badge-warn');
    expect(within(cell(2, 'Lag') as HTMLElement).getByText('unknown').className).toContain('badge-bad');
    expect(cell(2, 'Freshness').textContent).toBe('unknown');
    expect(cell(2, 'Last event').textContent).toBe('—');
  });

  it('shows every instance of each projector: its state, the partitions it holds, its last event and status age; stalled in red, dead as a warning', async () => {
    const inst = (instance: string, state: string, over: Partial<NonNullable<Projector['instances']>[number]> = {}) => ({
      instance,
      state,
      updatedAt: '2026-12-02T00:39:58.000Z',
      statusAgeMs: 2000,
      member: true,
      partitions: [] as number[],
      lastEvent: null,
      applied: 5,
      duplicatesSkipped: 0,
      deadLettered: 0,
      storeRetries: 0,
      gapsStopped: 0,
      consumerRestarts: 0,
      ...over,
    });
    mockPipeline(() =>
      lagStatus({
        projectors: [
          {
            ...projector('redis', 0),
            state: 'stalled',
            stateReason: 'instance projector-redis-2 holds partitions 3, 4, 5 and last reported 41 s ago',
            consumerRestarts: 0,
            instances: [
              inst('projector-redis-1', 'running', {
                partitions: [0, 1, 2],
                applied: 1200,
                lastEvent: { userId: 'bob', seq: 7, occurredAt: '2026-12-02T00:39:57.000Z', appliedAt: '2026-12-02T00:39:57.080Z' },
              }),
              inst('projector-redis-2', 'stalled', { partitions: [3, 4, 5], statusAgeMs: 41_000 }),
            ],
          },
          {
            ...projector('clickhouse', 0),
            state: 'running',
            consumerRestarts: 0,
            instances: [
              inst('projector-clickhouse-1', 'running', { partitions: [0, 1, 2, 3, 4, 5] }),
              inst('projector-clickhouse-2', 'dead', { member: false, statusAgeMs: 600_000 }),
            ],
          },
        ],
      }),
    );
    render(<PipelinePage />);
    const panel = await screen.findByRole('region', { name: 'Projector instances' });
    const rows = within(panel).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.getAttribute('data-instance'))).toEqual([
      'projector-redis-1',
      'projector-redis-2',
      'projector-clickhouse-1',
      'projector-clickhouse-2',
    ]);
    const cell = (r: number, label: string) => rows[r]!.querySelector(`td[data-label="${label}"]`)!;
    expect(within(rows[0]!).getByText('running').className).toContain('badge-ok');
    expect(cell(0, 'Partitions').textContent).toBe('0, 1, 2');
    expect(cell(0, 'Last event').textContent).toBe('bob seq 7');
    expect(cell(0, 'Applied').textContent).toBe('1,200');
    expect(rows[0]!.className).not.toContain('row-warn');
    expect(within(rows[1]!).getByText('stalled').className).toContain('badge-bad');
    expect(cell(1, 'Partitions').textContent).toBe('3, 4, 5');
    expect(cell(1, 'Status age').textContent).toBe('41.0 s');
    expect(rows[1]!.className).toContain('row-warn');
    expect(within(rows[3]!).getByText('dead').className).toContain('badge-warn');
    expect(cell(3, 'Partitions').textContent).toBe('not in the group');
    expect(cell(3, 'Status age').textContent).toBe('10 min');
    // The projector's own row says why it is stalled.
    expect(screen.getByText(/instance projector-redis-2 holds partitions 3, 4, 5 and last reported 41 s ago/)).toBeTruthy();
  });

  it('shows no instance panel for an API older than per-instance status', async () => {
    mockPipeline(() => lagStatus());
    render(<PipelinePage />);
    await screen.findByTestId('cdc-lag');
    expect(screen.queryByRole('region', { name: 'Projector instances' })).toBeNull();
  });

  it('draws the history: CDC ms behind and end-to-end freshness, projector lag per projector, with the latest values in words', async () => {
    const api = mockPipeline(
      () => lagStatus(),
      () => json(200, historyOf([point(0, null, 497, 0, 0), point(1, 0, 420, 0, 0), point(2, 1200, 2500, 40, 900), point(3, 0, 420, 0, 0)])),
    );
    render(<PipelinePage />);
    const delay = await screen.findByRole('img', { name: 'CDC ms behind source and end-to-end freshness, over the last 6.0 s' });
    // The first CDC value is unknown: three points on its line, four on freshness's.
    expect(delay.querySelector('[data-series="CDC behind source"]')!.getAttribute('data-points')).toBe('3');
    expect(delay.querySelector('[data-series="End-to-end freshness"]')!.getAttribute('data-points')).toBe('4');
    expect(delay.querySelectorAll('path.line')).toHaveLength(2);
    expect(document.getElementById(delay.getAttribute('aria-describedby')!)!.textContent).toBe(
      'Latest (00:40:06 UTC): CDC behind source 0 ms, End-to-end freshness 420 ms. Highest over the last 6.0 s: CDC behind source 1.2 s, End-to-end freshness 2.5 s.',
    );
    const lag = screen.getByRole('img', { name: 'Projector lag in messages per projector, over the last 6.0 s' });
    expect([...lag.querySelectorAll('[data-series]')].map((g) => g.getAttribute('data-series'))).toEqual(['redis', 'clickhouse']);
    expect(lag.querySelector('[data-series="clickhouse"]')!.getAttribute('data-points')).toBe('4');
    expect(document.getElementById(lag.getAttribute('aria-describedby')!)!.textContent).toBe(
      'Latest (00:40:06 UTC): redis 0 messages, clickhouse 0 messages. Highest over the last 6.0 s: redis 40 messages, clickhouse 900 messages.',
    );
    expect(screen.getByText('4 points, one every 2.0 s')).toBeTruthy();
    expect(api.calls.filter((c) => c.path === '/v1/pipeline/history')).toHaveLength(1);
  });

  it('refreshes the history with the status', async () => {
    let n = 2;
    const api = mockPipeline(
      () => lagStatus(),
      () => json(200, historyOf(Array.from({ length: n }, (_, i) => point(i, 0, 100, 0, 0)))),
    );
    render(<PipelinePage />);
    const chart = await screen.findByRole('img', { name: /^CDC ms behind source/ });
    expect(chart.querySelector('[data-series="End-to-end freshness"]')!.getAttribute('data-points')).toBe('2');
    n = 5;
    await userEvent.setup().click(screen.getByRole('button', { name: 'Refresh now' }));
    await waitFor(() =>
      expect(
        screen
          .getByRole('img', { name: /^CDC ms behind source/ })
          .querySelector('[data-series="End-to-end freshness"]')!
          .getAttribute('data-points'),
      ).toBe('5'),
    );
    const paths = api.calls.map((c) => c.path);
    expect(paths.filter((p) => p === '/v1/pipeline/history')).toHaveLength(2);
    expect(paths.filter((p) => p === '/v1/pipeline/status')).toHaveLength(2);
  });

  it('shows an empty state for each chart when the history has no points yet', async () => {
    mockPipeline(() => lagStatus());
    render(<PipelinePage />);
    await screen.findByTestId('cdc-lag');
    expect(await screen.findAllByText('No points yet: the API samples the pipeline every few seconds, from its start.')).toHaveLength(2);
    expect(screen.queryByRole('img')).toBeNull();
    expect(screen.getByText('0 points, one every 2.0 s')).toBeTruthy();
  });

  it('a failed history does not hide the status, and keeps the last good charts', async () => {
    let fail = false;
    mockPipeline(
      () => lagStatus(),
      () => (fail ? apiError(500, 'INTERNAL', 'boom') : json(200, historyOf([point(0, 0, 100, 0, 0), point(1, 0, 120, 0, 0)]))),
    );
    render(<PipelinePage />);
    await screen.findByRole('img', { name: /^CDC ms behind source/ });
    fail = true;
    await userEvent.setup().click(screen.getByRole('button', { name: 'Refresh now' }));
    const note = await screen.findByText(/^The history could not be loaded; the charts are from its last good refresh/);
    expect(note.getAttribute('data-code')).toBe('INTERNAL');
    expect(screen.getByRole('img', { name: /^CDC ms behind source/ })).toBeTruthy();
    expect(screen.getByTestId('cdc-lag')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says so when the API does not serve the history', async () => {
    mockPipeline(
      () => lagStatus(),
      () => apiError(404, 'NOT_FOUND', 'Route GET:/v1/pipeline/history not found'),
    );
    render(<PipelinePage />);
    await screen.findByText(/^The history could not be loaded: this API does not serve GET \/v1\/pipeline\/history\./);
    expect(screen.getByTestId('freshness').textContent).toBe('420 ms');
  });
});
