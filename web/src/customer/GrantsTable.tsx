/** Active grants (lots): what is left and when it expires; those within 30 days marked. */
import type { ActiveGrant } from '../api/types.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Empty, Loading } from '../components/Status.tsx';
import { Table } from '../components/Table.tsx';
import { points, utc } from '../format.ts';
import type { AsyncState } from '../hooks/useAsync.ts';

const DAY = 86_400_000;
export const EXPIRING_WITHIN_DAYS = 30;

export function daysLeft(expiresAt: string, now: number): number {
  return Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / DAY));
}

interface Props {
  grants: AsyncState<ActiveGrant[]>;
  stale: boolean;
  onRevoke: (g: ActiveGrant) => void;
  now?: number;
}

export function GrantsTable({ grants, stale, onRevoke, now = Date.now() }: Props) {
  const list = grants.data;
  return (
    <section className={`panel${stale ? ' stale' : ''}`} aria-labelledby="grants-title" aria-busy={grants.loading || stale}>
      <h2 id="grants-title">Active grants{stale && <span className="muted small"> (updating after the command…)</span>}</h2>
      {grants.error && <ErrorMessage error={grants.error} context="The grants could not be loaded." />}
      {!list && grants.loading && <Loading what="Loading the grants…" />}
      {list && list.length === 0 && <Empty>No active grants.</Empty>}
      {list && list.length > 0 && (
        <Table
          caption="Active grants, earliest expiry first"
          rows={list.map((g) => {
            const left = daysLeft(g.expiresAt, now);
            return { g, left, soon: left <= EXPIRING_WITHIN_DAYS };
          })}
          rowKey={({ g }) => g.grantId}
          rowAttributes={({ soon }) => ({ className: soon ? 'expiring' : undefined })}
          columns={[
            { label: 'Grant', cell: ({ g }) => <code className="id">{g.grantId}</code> },
            { label: 'Remaining', num: true, cell: ({ g }) => points(g.remaining) },
            {
              label: 'Expires',
              cell: ({ g, left, soon }) => (
                <span>
                  {utc(g.expiresAt, { seconds: false })}
                  {soon && (
                    <>
                      {' '}
                      <span className="badge badge-warn">
                        expires in {left} {left === 1 ? 'day' : 'days'}
                      </span>
                    </>
                  )}
                </span>
              ),
            },
            {
              label: 'Action',
              actions: true,
              cell: ({ g }) => (
                <button type="button" className="button button-small" onClick={() => onRevoke(g)} aria-label={`Revoke grant ${g.grantId}`}>
                  Revoke…
                </button>
              ),
            },
          ]}
        />
      )}
    </section>
  );
}
