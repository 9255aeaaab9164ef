/**
 * The pipeline: end-to-end freshness; each outbox connector with its tasks and how far
 * it is behind its database's binlog (bytes, ms); Kafka; dead letters; state, lag,
 * freshness and consumer restarts per projector, and each of its instances (state, the
 * partitions it holds, its last event and status age); and the last minutes of those figures
 * as line charts (GET /v1/pipeline/history). Status and history are fetched together,
 * every 3 s.
 */
import { Fragment, useRef } from 'react';
import { getPipelineHistory, getPipelineStatus } from '../api/endpoints.ts';
import { describeCode, toApiError, type ApiError } from '../api/errors.ts';
import type { ConnectorStatus, PipelineHistory, PipelineHistoryPoint, PipelineStatus, ProjectorInstanceStatus, ProjectorStatus } from '../api/types.ts';
import { StateBadge, Badge } from '../components/Badge.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Facts } from '../components/Facts.tsx';
import { LineChart, type LineSeries } from '../components/LineChart.tsx';
import { Loading } from '../components/Status.tsx';
import { type Column, Table } from '../components/Table.tsx';
import { bytes, duration, points, shortDuration, utc } from '../format.ts';
import { usePolling } from '../hooks/usePolling.ts';

export const REFRESH_MS = 3000;
/** End-to-end freshness above this is shown as a warning. */
export const FRESHNESS_WARN_MS = 5000;

const time = (d: Date | undefined) => (d ? utc(d.toISOString()) : '—');

interface View {
  status: PipelineStatus;
  /** The last history that could be loaded (kept when a later refresh of it fails). */
  history: PipelineHistory | undefined;
  historyError: ApiError | undefined;
}

/** Only well-formed points, oldest first; anything else counts as no points. */
export function normalizeHistory(h: unknown): PipelineHistory {
  const raw = (h as { intervalMs?: unknown; points?: unknown } | null) ?? {};
  const list = Array.isArray(raw.points) ? (raw.points as Partial<PipelineHistoryPoint>[]) : [];
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const pts = list
    .filter((p) => typeof p?.at === 'string' && !Number.isNaN(Date.parse(p.at)))
    .map((p) => ({
      at: p.at!,
      cdcBytesBehind: num(p.cdcBytesBehind),
      cdcMsBehind: num(p.cdcMsBehind),
      projectorLag: Object.fromEntries(Object.entries(p.projectorLag ?? {}).map(([k, v]) => [k, num(v)])),
      freshnessMs: num(p.freshnessMs),
    }))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return { intervalMs: typeof raw.intervalMs === 'number' ? raw.intervalMs : 2000, points: pts };
}

export function PipelinePage() {
  const lastHistory = useRef<PipelineHistory | undefined>(undefined);
  const view = usePolling<View>(async (signal) => {
    // Both at once; a failed history does not hide the status.
    const history = getPipelineHistory(signal).then(
      (h) => ({ ok: normalizeHistory(h) }),
      (e: unknown) => ({ error: toApiError(e) }),
    );
    const status = await getPipelineStatus(signal);
    const h = await history;
    if ('ok' in h) lastHistory.current = h.ok;
    return { status, history: lastHistory.current, historyError: 'error' in h ? h.error : undefined };
  }, REFRESH_MS);
  const v = view.data;
  return (
    <>
      <h1>Pipeline</h1>
      <div className="toolbar">
        <p className="muted small" role="status" aria-live="polite">
          {v ? (
            <>
              Last refresh: <time dateTime={view.at?.toISOString()}>{time(view.at)}</time> · every {REFRESH_MS / 1000} s
            </>
          ) : (
            'Refreshing every 3 s'
          )}
        </p>
        <button type="button" className="button" onClick={view.refreshNow}>
          Refresh now
        </button>
      </div>
      {view.error && (
        <ErrorMessage
          error={view.error}
          context={v ? `The last refresh failed (${time(view.triedAt)}); what follows is from ${time(view.at)}.` : 'The pipeline status could not be loaded.'}
        />
      )}
      {!v && !view.error && <Loading what="Loading the pipeline status…" />}
      {v && <Status s={v.status} history={v.history} historyError={v.historyError} />}
    </>
  );
}

/** The connectors with their CDC lag; from an older API only the one connector, lag unknown. */
function connectorsOf(s: PipelineStatus): ConnectorStatus[] {
  if (Array.isArray(s.connectors)) return s.connectors;
  if (!s.connector) return [];
  return [{ ...s.connector, database: null, connectorAt: null, bytesBehind: null, msBehind: null }];
}

function Status({ s, history, historyError }: { s: PipelineStatus; history: PipelineHistory | undefined; historyError: ApiError | undefined }) {
  const connectors = connectorsOf(s);
  return (
    <div className="pipeline">
      <div className="cards">
        <Freshness ms={s.freshnessMs} />
        <section className="panel" aria-labelledby="kafka-title">
          <h2 id="kafka-title">Kafka</h2>
          {s.kafka.reachable ? (
            <Facts
              items={[
                [
                  'State',
                  <Badge key="state" tone="ok">
                    REACHABLE
                  </Badge>,
                ],
                ['Topic', s.kafka.topic],
                ['Partitions', s.kafka.partitions ?? '—'],
                ['Messages', s.kafka.messages === undefined ? '—' : points(s.kafka.messages)],
              ]}
            />
          ) : (
            <p>
              <Badge tone="bad">UNREACHABLE</Badge> <span className="small">{s.kafka.error}</span>
            </p>
          )}
        </section>
        <section className="panel" aria-labelledby="dlq-title">
          <h2 id="dlq-title">Dead letters</h2>
          <p className={`big-number${s.deadLetter.messages ? ' warn' : ''}`} data-testid="dlq">
            {s.deadLetter.messages === null ? '—' : points(s.deadLetter.messages)}
          </p>
          <p className="muted small">
            messages in <code>{s.deadLetter.topic}</code>
            {s.deadLetter.messages ? ': events the projectors could not apply; they need a look.' : ''}
          </p>
        </section>
      </div>
      {connectors.length === 0 ? (
        <section className="panel panel-bad" aria-labelledby="connector-title-none">
          <h2 id="connector-title-none">Connector</h2>
          <p className="empty">No outbox connector is reported.</p>
        </section>
      ) : (
        connectors.map((c, i) => <Connector key={c.name} c={c} titleId={`connector-title-${i}`} />)
      )}
      <section className="panel" aria-labelledby="projectors-title">
        <h2 id="projectors-title">Projectors</h2>
        <Table
          caption={<>State, lag, freshness and consumer restarts per projector, as of {utc(s.at)}</>}
          rows={s.projectors}
          rowKey={(p) => p.name}
          rowAttributes={(p) => ({ className: p.state && p.state !== 'running' ? 'row-warn' : undefined })}
          columns={PROJECTOR_COLUMNS}
        />
      </section>
      <Instances projectors={s.projectors} />
      <History history={history} error={historyError} projectors={s.projectors.map((p) => p.name)} />
    </div>
  );
}

function Freshness({ ms }: { ms: number | null | undefined }) {
  const known = ms !== null && ms !== undefined;
  const warn = !known || ms >= FRESHNESS_WARN_MS;
  return (
    <section className={`panel freshness${warn ? ' panel-warn' : ''}`} aria-labelledby="freshness-title">
      <h2 id="freshness-title">End-to-end freshness</h2>
      <p className={`big-number${warn ? ' warn' : ''}`} data-testid="freshness">
        {known ? duration(ms) : 'unknown'}
      </p>
      <p className="muted small">
        {known
          ? 'Age of the oldest committed event not yet in every read model; when all have caught up, how long the last event took to reach them.'
          : 'Cannot be measured now: a connector or a projector does not report how far it is behind.'}
        {known && warn ? ` Over ${duration(FRESHNESS_WARN_MS)}: the read models are behind.` : ''}
      </p>
    </section>
  );
}

const position = (p: { file: string; pos: number } | null) => (p ? `${p.file}:${p.pos}` : 'unknown');

function Connector({ c, titleId }: { c: ConnectorStatus; titleId: string }) {
  const running = c.state === 'RUNNING';
  const unknown = c.bytesBehind === null || c.msBehind === null;
  const behind = (c.bytesBehind ?? 0) > 0 || (c.msBehind ?? 0) > 0;
  const tone = (v: number | null) => (v === null ? 'warn' : v > 0 ? 'warn' : 'ok');
  const panelTone = !running ? ' panel-bad' : behind || unknown ? ' panel-warn' : '';
  return (
    <section className={`panel connector${panelTone}`} aria-labelledby={titleId} data-connector={c.name}>
      <h2 id={titleId}>Connector</h2>
      <p>
        <span className="user-id">{c.name}</span> <StateBadge state={c.state} />
      </p>
      {c.error && <p className="field-error">{c.error}</p>}
      <p className="cdc-lag" data-testid="cdc-lag">
        <span>CDC lag:</span>
        <Badge tone={tone(c.bytesBehind)}>{c.bytesBehind === null ? 'unknown' : bytes(c.bytesBehind)}</Badge>
        <span>of binlog behind,</span>
        <Badge tone={tone(c.msBehind)}>{c.msBehind === null ? 'unknown' : duration(c.msBehind)}</Badge>
        <span>behind source</span>
      </p>
      {!running && <p className="lag-note bad">Not running ({c.state}): events committed to the database may not be reaching Kafka.</p>}
      {running && behind && <p className="lag-note warn">Behind its database: the newest committed events are not in Kafka yet.</p>}
      {running && !behind && unknown && <p className="lag-note warn">How far it is behind cannot be measured right now.</p>}
      <Facts
        items={[
          ['Database binlog at', <code key="database">{position(c.database)}</code>],
          [
            'Connector at',
            <Fragment key="connector">
              <code>{position(c.connectorAt)}</code>
              {c.connectorAt?.tsSec ? (
                <>
                  <br />
                  <span className="muted small">event of {utc(new Date(c.connectorAt.tsSec * 1000).toISOString())}</span>
                </>
              ) : null}
            </Fragment>,
          ],
        ]}
      />
      {c.tasks.length === 0 ? (
        <p className="empty">No tasks.</p>
      ) : (
        <ul className="plain">
          {c.tasks.map((t) => (
            <li key={t.id}>
              Task {t.id} <StateBadge state={t.state} />
              {t.workerId && <span className="muted small"> on {t.workerId}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const PROJECTOR_TONE: Record<string, 'ok' | 'warn'> = { running: 'ok', stalled: 'warn', 'not reporting': 'warn' };

const lagTone = (lag: number | null) => (lag === null ? 'bad' : lag === 0 ? 'ok' : lag < 1000 ? 'warn' : 'bad');

const PROJECTOR_COLUMNS: Column<ProjectorStatus>[] = [
  {
    label: 'Projector',
    cell: (p) => (
      <span>
        <strong>{p.name}</strong> <span className="muted small">{p.groupId}</span>
      </span>
    ),
  },
  {
    label: 'State',
    cell: (p) => (
      <>
        {p.state ? <Badge tone={PROJECTOR_TONE[p.state] ?? 'warn'}>{p.state}</Badge> : '—'}
        {p.stateReason && <span className="muted small state-reason"> {p.stateReason}</span>}
      </>
    ),
  },
  { label: 'Lag', num: true, cell: (p) => <Badge tone={lagTone(p.lag)}>{p.lag === null ? 'unknown' : points(p.lag)}</Badge> },
  { label: 'Freshness', num: true, cell: (p) => (p.freshnessMs === null ? 'unknown' : duration(p.freshnessMs)) },
  {
    label: 'Last event',
    cell: (p) =>
      p.lastEvent ? (
        <span>
          {p.lastEvent.userId} seq {p.lastEvent.seq}
          <br />
          <span className="muted small">{utc(p.lastEvent.occurredAt)}</span>
        </span>
      ) : (
        '—'
      ),
  },
  { label: 'Applied', num: true, cell: (p) => points(p.applied) },
  { label: 'Dead-lettered', num: true, cell: (p) => points(p.deadLettered) },
  {
    label: 'Consumer restarts',
    num: true,
    cell: ({ consumerRestarts: r }) => (r === undefined ? '—' : r > 0 ? <Badge tone="warn">{points(r)}</Badge> : points(r)),
  },
  { label: 'Status age', num: true, cell: (p) => duration(p.statusAgeMs) },
];

/** Stalled holds partitions without progress (or may); dead has given its partitions up; not reporting is a member without status. */
const INSTANCE_TONE: Record<string, 'ok' | 'warn' | 'bad' | 'info'> = { running: 'ok', stalled: 'bad', dead: 'warn', 'not reporting': 'warn' };

/** Every instance of every projector; nothing from an API older than per-instance status (issue 12). */
function Instances({ projectors }: { projectors: ProjectorStatus[] }) {
  const rows = projectors.flatMap((p) => (p.instances ?? []).map((i) => ({ projector: p.name, i })));
  if (!projectors.some((p) => Array.isArray(p.instances))) return null;
  return (
    <section className="panel" aria-labelledby="instances-title">
      <h2 id="instances-title">Projector instances</h2>
      {rows.length === 0 ? (
        <p className="empty">No instance reports.</p>
      ) : (
        <Table
          caption="Each instance of each projector: state, partitions it holds, last event, applied events and status age"
          rows={rows}
          rowKey={({ projector, i }) => `${projector}/${i.instance}`}
          rowAttributes={({ i }) => ({ className: i.state !== 'running' ? 'row-warn' : undefined, 'data-instance': i.instance })}
          columns={INSTANCE_COLUMNS}
        />
      )}
    </section>
  );
}

const partitionsOf = (i: ProjectorInstanceStatus) =>
  i.member === null ? 'unknown' : i.member ? (i.partitions.length > 0 ? i.partitions.join(', ') : 'none') : 'not in the group';

const INSTANCE_COLUMNS: Column<{ projector: string; i: ProjectorInstanceStatus }>[] = [
  { label: 'Projector', cell: ({ projector }) => projector },
  { label: 'Instance', cell: ({ i }) => <span className="user-id">{i.instance}</span> },
  { label: 'State', cell: ({ i }) => <Badge tone={INSTANCE_TONE[i.state] ?? 'warn'}>{i.state}</Badge> },
  { label: 'Partitions', cell: ({ i }) => partitionsOf(i) },
  { label: 'Last event', cell: ({ i }) => (i.lastEvent ? `${i.lastEvent.userId} seq ${i.lastEvent.seq}` : '—') },
  { label: 'Applied', num: true, cell: ({ i }) => points(i.applied) },
  { label: 'Status age', num: true, cell: ({ i }) => (i.statusAgeMs === null ? 'never' : duration(i.statusAgeMs)) },
];

const PROJECTOR_COLORS = ['#2e7d32', '#7b1fa2', '#00838f', '#c62828', '#6d4c41'];
const messages = (v: number) => (v === 1 ? '1 message' : `${points(v)} messages`);

function History({ history, error, projectors }: { history: PipelineHistory | undefined; error: ApiError | undefined; projectors: string[] }) {
  const pts = history?.points ?? [];
  const times = pts.map((p) => Date.parse(p.at));
  const span = times.length > 1 ? times[times.length - 1]! - times[0]! : 0;
  const over = span > 0 ? `over the last ${duration(span)}` : 'now';
  const names = [...new Set([...projectors, ...pts.flatMap((p) => Object.keys(p.projectorLag))])];
  const delay: LineSeries[] = [
    { name: 'CDC behind source', color: '#1565c0', values: pts.map((p) => p.cdcMsBehind) },
    { name: 'End-to-end freshness', color: '#e65100', dashed: true, values: pts.map((p) => p.freshnessMs) },
  ];
  const lag: LineSeries[] = names.map((n, i) => ({
    name: n,
    color: PROJECTOR_COLORS[i % PROJECTOR_COLORS.length]!,
    values: pts.map((p) => p.projectorLag[n] ?? null),
  }));
  const emptyText = 'No points yet: the API samples the pipeline every few seconds, from its start.';
  return (
    <section className="panel" aria-labelledby="history-title">
      <div className="panel-head">
        <h2 id="history-title">The last minutes</h2>
        {history && (
          <p className="muted small">
            {pts.length} points, one every {duration(history.intervalMs)}
          </p>
        )}
      </div>
      {error && (
        <p className="notice notice-warn small" data-code={error.code}>
          The history could not be loaded{history ? '; the charts are from its last good refresh' : ''}:{' '}
          {error.code === 'NOT_FOUND' ? 'this API does not serve GET /v1/pipeline/history.' : describeCode(error.code)} <code>{error.code}</code>
        </p>
      )}
      {history && (
        <div className="chart-pair">
          <div>
            <h3>CDC ms behind source and end-to-end freshness</h3>
            <LineChart
              title={`CDC ms behind source and end-to-end freshness, ${over}`}
              times={times}
              series={delay}
              minTop={1000}
              formatValue={duration}
              formatTick={shortDuration}
              empty={emptyText}
            />
          </div>
          <div>
            <h3>Projector lag (messages)</h3>
            <LineChart
              title={`Projector lag in messages per projector, ${over}`}
              times={times}
              series={lag}
              minTop={10}
              formatValue={messages}
              empty={emptyText}
            />
          </div>
        </div>
      )}
    </section>
  );
}
