/**
 * Redrive per projector (POST /v1/pipeline/dead-letters/redrive): the projector takes its
 * dead letters again (after a fix) and applies each at most once; the answer counts them.
 */
import { useState } from 'react';
import { redriveDeadLetters } from '../../api/endpoints.ts';
import { toApiError, type ApiError } from '../../api/errors.ts';
import type { RedriveReply } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { points } from '../../format.ts';

type State = { status: 'idle' } | { status: 'sending' } | { status: 'done'; reply: RedriveReply } | { status: 'failed'; error: ApiError };

/**
 * `3 redriven: 1 applied, 2 still failing.`, and what was not applied again: letters the read
 * model had already, letters an earlier redrive applied (not given again).
 */
export function redriveOutcome(r: RedriveReply): string {
  const more = [
    r.alreadyApplied ? `${points(r.alreadyApplied)} already in the read model` : null,
    r.skipped ? `${points(r.skipped)} skipped: an earlier redrive applied them` : null,
  ].filter(Boolean);
  return `${points(r.redriven)} redriven: ${points(r.applied)} applied, ${points(r.stillFailing)} still failing.${more.length ? ` (${more.join('; ')}.)` : ''}`;
}

export function RedrivePanel({ projectors, onRedriven }: { projectors: string[]; onRedriven: () => void }) {
  return (
    <section className="panel" aria-labelledby="redrive-title">
      <h2 id="redrive-title">Redrive</h2>
      <p className="muted small">
        Gives a projector its dead letters again, once the cause is fixed (a schema registered, a bug fixed and deployed). Each is applied at most once; what
        still fails stays listed.
      </p>
      <ul className="plain redrive-list">
        {projectors.map((p) => (
          <Redrive key={p} projector={p} onRedriven={onRedriven} />
        ))}
      </ul>
    </section>
  );
}

function Redrive({ projector, onRedriven }: { projector: string; onRedriven: () => void }) {
  const [state, setState] = useState<State>({ status: 'idle' });
  const run = async () => {
    setState({ status: 'sending' });
    try {
      const reply = await redriveDeadLetters(projector);
      setState({ status: 'done', reply });
      onRedriven();
    } catch (e) {
      setState({ status: 'failed', error: toApiError(e) });
    }
  };
  return (
    <li data-projector={projector}>
      <div className="inline-actions">
        <button
          type="button"
          className="button"
          onClick={() => void run()}
          disabled={state.status === 'sending'}
          aria-busy={state.status === 'sending' || undefined}
        >
          {state.status === 'sending' ? `Redriving ${projector}…` : `Redrive ${projector}`}
        </button>
        {state.status === 'done' && (
          <span className="notice notice-ok small" role="status" data-testid={`redrive-${projector}`}>
            {projector}: {redriveOutcome(state.reply)}
          </span>
        )}
      </div>
      {state.status === 'failed' && <ErrorMessage error={state.error} context={`The redrive of ${projector} failed.`} />}
    </li>
  );
}
