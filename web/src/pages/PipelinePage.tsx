/** The pipeline: connector and task state, lag and freshness per projector, dead letters; refreshed every 3 s. */
import { getPipelineStatus } from '../api/endpoints.ts';
import type { PipelineStatus, ProjectorStatus } from '../api/types.ts';
import { StateBadge, Badge } from '../components/Badge.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/Status.tsx';
import { duration, points, utc } from '../format.ts';
import { usePolling } from '../hooks/usePolling.ts';

export const REFRESH_MS = 3000;

const time = (d: Date | undefined) => (d ? utc(d.toISOString()) : '—');

export function PipelinePage() {
  const status = usePolling((signal) => getPipelineStatus(signal), REFRESH_MS);
  const s = status.data;
  return (
    <>
      <h1>Pipeline</h1>
      <div className="toolbar">
        <p className="muted small" role="status" aria-live="polite">
          {s ? <>Last refresh: <time dateTime={status.at?.toISOString()}>{time(status.at)}</time> · every {REFRESH_MS / 1000} s</> : 'Refreshing every 3 s'}
        </p>
        <button type="button" className="button" onClick={status.refreshNow}>Refresh now</button>
      </div>
      {status.error && (
        <ErrorMessage error={status.error}
          context={s ? `The last refresh failed (${time(status.triedAt)}); what follows is from ${time(status.at)}.` : 'The pipeline status could not be loaded.'} />
      )}
      {!s && !status.error && <Loading what="Loading the pipeline status…" />}
      {s && <Status s={s} />}
    </>
  );
}

function Status({ s }: { s: PipelineStatus }) {
  return (
    <div className="pipeline">
      <div className="cards">
        <section className="panel" aria-labelledby="connector-title">
          <h2 id="connector-title">Connector</h2>
          <p><span className="user-id">{s.connector.name}</span> <StateBadge state={s.connector.state} /></p>
          {s.connector.error && <p className="field-error">{s.connector.error}</p>}
          {s.connector.tasks.length === 0 ? <p className="empty">No tasks.</p> : (
            <ul className="plain">
              {s.connector.tasks.map((t) => <li key={t.id}>Task {t.id} <StateBadge state={t.state} /></li>)}
            </ul>
          )}
        </section>
        <section className="panel" aria-labelledby="kafka-title">
          <h2 id="kafka-title">Kafka</h2>
          {s.kafka.reachable ? (
            <dl className="facts">
              <div><dt>State</dt><dd><Badge tone="ok">REACHABLE</Badge></dd></div>
              <div><dt>Topic</dt><dd>{s.kafka.topic}</dd></div>
              <div><dt>Partitions</dt><dd>{s.kafka.partitions ?? '—'}</dd></div>
              <div><dt>Messages</dt><dd>{s.kafka.messages === undefined ? '—' : points(s.kafka.messages)}</dd></div>
            </dl>
          ) : (
            <p><Badge tone="bad">UNREACHABLE</Badge> <span className="small">{s.kafka.error}</span></p>
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
      <section className="panel" aria-labelledby="projectors-title">
        <h2 id="projectors-title">Projectors</h2>
        <table className="table responsive">
          <caption className="sr-only">Lag and freshness per projector, as of {utc(s.at)}</caption>
          <thead>
            <tr>
              <th scope="col">Projector</th><th scope="col" className="num">Lag</th><th scope="col" className="num">Freshness</th>
              <th scope="col">Last event</th><th scope="col" className="num">Applied</th><th scope="col" className="num">Dead-lettered</th>
              <th scope="col" className="num">Status age</th>
            </tr>
          </thead>
          <tbody>{s.projectors.map((p) => <ProjectorRow key={p.name} p={p} />)}</tbody>
        </table>
      </section>
    </div>
  );
}

function ProjectorRow({ p }: { p: ProjectorStatus }) {
  const lagTone = p.lag === null ? 'bad' : p.lag === 0 ? 'ok' : p.lag < 1000 ? 'warn' : 'bad';
  return (
    <tr>
      <td data-label="Projector"><span><strong>{p.name}</strong> <span className="muted small">{p.groupId}</span></span></td>
      <td data-label="Lag" className="num"><Badge tone={lagTone}>{p.lag === null ? 'unknown' : points(p.lag)}</Badge></td>
      <td data-label="Freshness" className="num">{duration(p.freshnessMs)}</td>
      <td data-label="Last event">
        {p.lastEvent ? <span>{p.lastEvent.userId} seq {p.lastEvent.seq}<br /><span className="muted small">{utc(p.lastEvent.occurredAt)}</span></span> : '—'}
      </td>
      <td data-label="Applied" className="num">{points(p.applied)}</td>
      <td data-label="Dead-lettered" className="num">{points(p.deadLettered)}</td>
      <td data-label="Status age" className="num">{duration(p.statusAgeMs)}</td>
    </tr>
  );
}
