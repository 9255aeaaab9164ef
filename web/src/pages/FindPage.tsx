/**
 * Find (#/find/<id>): one input for an order id or a grant, use or hold id, and what it
 * links to. Links between them name the kind (#/find/grant/<id>), so they ask once.
 * A pending grant found here can be activated; the page then reads it again with the
 * activation's userId and seq (minSeq), so it shows the write, never the old state.
 */
import { useState } from 'react';
import type { LookupKind } from '../api/endpoints.ts';
import type { ActivateReply } from '../api/types.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Empty, Loading } from '../components/Status.tsx';
import { useAsync } from '../hooks/useAsync.ts';
import { findRecord, type Found } from '../lookup/find.ts';
import { FindForm } from '../lookup/FindForm.tsx';
import { GrantView, HoldView, OrderView, UseView } from '../lookup/FoundViews.tsx';
import { checkLookupId } from '../validation.ts';

/** How long the API may hold a lookup with minSeq (max 10000). */
const WAIT_MS = 5000;

export function FindPage({ kind, id }: { kind: LookupKind | null; id: string | null }) {
  const problem = id === null ? null : checkLookupId(id);
  return (
    <>
      <h1>Find</h1>
      <FindForm key={`find:${id ?? ''}`} current={id} />
      {id === null && <Empty>Enter an order id to see its grants, uses and holds, or a grant, use or hold id to see what became of it.</Empty>}
      {id !== null && problem && (
        <p className="notice notice-error" role="alert">
          “{id}” cannot be looked up: {problem}
        </p>
      )}
      {id !== null && !problem && <Result key={`${kind ?? 'any'}:${id}`} kind={kind} id={id} />}
    </>
  );
}

const WHAT: Record<LookupKind, string> = { grant: 'grant', use: 'use', hold: 'hold', order: 'order' };

function Result({ kind, id }: { kind: LookupKind | null; id: string }) {
  // After a command on this page: read with the command's seq (read-your-writes).
  const [fresh, setFresh] = useState<{ userId: string; minSeq: number } | undefined>();
  const [activated, setActivated] = useState<string | undefined>();
  const found = useAsync((signal) => findRecord(kind, id, { ...fresh, waitMs: fresh ? WAIT_MS : undefined, signal }), [kind, id]);
  const { reload } = found;

  const onActivated = (r: ActivateReply) => {
    setActivated(r.grantId);
    setFresh({ userId: r.userId, minSeq: r.seq });
    reload();
  };

  const data: Found | undefined = found.data;
  const what = kind ? `The ${WHAT[kind]}` : 'It';
  return (
    <section className={`panel found${found.loading && data ? ' stale' : ''}`} aria-label="What the id links to" aria-busy={found.loading}>
      <div className="panel-head">
        <span className="muted small">
          {kind ? `Looked up as ${WHAT[kind]}` : data ? `Found: this id is a ${WHAT[data.kind]}` : 'Looked up as order, grant, use or hold'}
        </span>
        <button type="button" className="button button-small" onClick={reload} disabled={found.loading}>
          Refresh
        </button>
      </div>
      {found.error && <ErrorMessage error={found.error} context={`${what} could not be looked up.`} />}
      {!data && found.loading && <Loading what={fresh ? `Waiting for the read model to catch up to seq ${fresh.minSeq}…` : 'Looking it up…'} />}
      {data?.kind === 'grant' && (
        <GrantView grant={data.grant} showActivate={data.grant.state === 'PENDING' || activated === data.grant.grantId} onActivated={onActivated} />
      )}
      {data?.kind === 'use' && <UseView use={data.use} />}
      {data?.kind === 'hold' && <HoldView hold={data.hold} />}
      {data?.kind === 'order' && <OrderView order={data.order} />}
    </section>
  );
}
