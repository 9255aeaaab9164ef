/**
 * Dead letters (GET /v1/pipeline/dead-letters): the messages a projector could not apply,
 * where they were in the points topic, why, and what the last redrive did with each; oldest
 * first, page by page, narrowed to a projector or a key (the message's user). And a redrive
 * per projector.
 */
import { type FormEvent, useState } from 'react';
import { getDeadLetters } from '../../api/endpoints.ts';
import type { DeadLetter } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Empty, Loading } from '../../components/Status.tsx';
import { Table } from '../../components/Table.tsx';
import { fieldErrorsOf } from '../../forms/form-helpers.ts';
import { bytes, utc } from '../../format.ts';
import { customerHref } from '../../hooks/useHashRoute.ts';
import { FilterField } from '../FilterField.tsx';
import { Pager } from '../Pager.tsx';
import { SelectField } from '../SelectField.tsx';
import { useCursorPages } from '../useCursorPages.ts';
import { RedrivePanel } from './RedrivePanel.tsx';

export const PAGE_SIZE = 50;
/** The projectors of the system (the API's PROJECTOR_NAMES); a letter of another one adds its own button. */
export const PROJECTORS = ['redis', 'clickhouse'];

/** The payload's size in bytes, from its base64. */
export const payloadBytes = (b64: string) => Math.max(0, Math.floor((b64.length * 3) / 4) - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0));

/** A letter's own place, in the dead-letter topic. */
export const letterKey = (d: DeadLetter) => `${d.dlqPartition}:${d.dlqOffset}`;

const OUTCOMES: Record<string, string> = { applied: 'applied', alreadyApplied: 'already applied', stillFailing: 'still failing' };

/** What the last redrive did with a letter: `still failing (why) · 2026-12-03 10:00:00 UTC`; "—" when none did. */
export function lastRedrive(d: DeadLetter): string {
  if (!d.redrive) return '—';
  const { outcome, reason, at } = d.redrive;
  return `${OUTCOMES[outcome] ?? outcome}${reason ? ` (${reason})` : ''} · ${utc(at)}`;
}

export function projectorsOf(items: DeadLetter[] | undefined): string[] {
  return [...new Set([...PROJECTORS, ...(items ?? []).map((d) => d.projector)])];
}

interface Filters {
  projector: string;
  key: string;
}

export function DeadLettersPage() {
  const [values, setValues] = useState<Filters>({ projector: '', key: '' });
  // `round` counts searches and redrives: after either, the list is read again from the first page.
  const [search, setSearch] = useState<{ filters: Filters; round: number }>({ filters: { projector: '', key: '' }, round: 0 });
  const { projector, key } = search.filters;
  const pages = useCursorPages(
    (cursor, signal) => getDeadLetters({ limit: PAGE_SIZE, cursor, projector: projector || undefined, key: key.trim() || undefined, signal }),
    [search],
  );
  const { page } = pages;
  const refused = page.error?.code === 'VALIDATION_FAILED' ? page.error : undefined;
  const errors = refused ? fieldErrorsOf(refused, ['projector', 'key'] as const) : {};
  const items = refused ? undefined : page.data?.items;
  const again = () => setSearch((s) => ({ ...s, round: s.round + 1 }));
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setSearch((s) => ({ filters: values, round: s.round + 1 }));
  };

  return (
    <>
      <h1>Dead letters</h1>
      <RedrivePanel projectors={projectorsOf(items)} onRedriven={again} />
      <section className="panel" aria-labelledby="letters-title" aria-busy={page.loading}>
        <div className="panel-head">
          <h2 id="letters-title">Letters</h2>
          <button type="button" className="button" onClick={again} disabled={page.loading}>
            Refresh
          </button>
        </div>
        <form className="form-inline" onSubmit={onSubmit} noValidate aria-label="Dead letter filters">
          <SelectField
            id="dl-projector"
            label="Projector"
            value={values.projector}
            onChange={(projector) => setValues({ ...values, projector })}
            error={errors.projector}
            options={[['', 'Any projector'], ...PROJECTORS.map((p): [string, string] => [p, p])]}
          />
          <FilterField id="dl-key" label="Key (user id)" value={values.key} onChange={(k) => setValues({ ...values, key: k })} error={errors.key} />
          <button type="submit" className="button button-primary">
            Show letters
          </button>
        </form>
        {refused && <ErrorMessage error={refused} context="The API refused these filters." />}
        <p className="muted small">
          Oldest first. Partition and offset are the message's place in the points topic; the key is its user.
          {projector || key.trim() ? ` Only ${[projector && `projector ${projector}`, key.trim() && `key ${key.trim()}`].filter(Boolean).join(', ')}.` : ''}
        </p>
        {page.error && !refused && <ErrorMessage error={page.error} context="The dead letters could not be loaded." />}
        {page.loading && !items && <Loading what="Reading the dead letters…" />}
        {items && items.length === 0 && <Empty>{pages.pageNo === 1 ? 'No dead letters.' : 'No more dead letters.'}</Empty>}
        {items && items.length > 0 && (
          <div className="table-scroll">
            <Table
              caption={`Dead letters, oldest first, page ${pages.pageNo}`}
              className={page.loading ? 'stale' : undefined}
              testId="dead-letters"
              rows={items}
              rowKey={letterKey}
              rowAttributes={(d) => ({ 'data-projector': d.projector, 'data-key': d.key ?? undefined })}
              columns={[
                { label: 'Projector', cell: (d) => d.projector },
                { label: 'Partition', num: true, cell: (d) => d.partition },
                { label: 'Offset', num: true, cell: (d) => d.offset },
                {
                  label: 'Key',
                  cell: (d) =>
                    d.key ? (
                      <a className="user-id" href={customerHref(d.key)}>
                        {d.key}
                      </a>
                    ) : (
                      '—'
                    ),
                },
                { label: 'Reason', cellClass: () => 'details', cell: (d) => d.reason },
                { label: 'At', cell: (d) => utc(d.at) },
                { label: 'Last redrive', cellClass: () => 'details', cell: lastRedrive },
                { label: 'Payload', num: true, cell: (d) => bytes(payloadBytes(d.payloadBase64)) },
              ]}
            />
          </div>
        )}
        <Pager pages={pages} label="Dead letter pages" />
      </section>
    </>
  );
}
