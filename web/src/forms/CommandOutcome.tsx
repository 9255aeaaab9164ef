/** What became of a command: sending, refused (in words), or done at seq N. */
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import type { CommandState } from '../hooks/useCommand.ts';

export function CommandOutcome<R>({ state, done }: { state: CommandState<R>; done: (reply: R) => string }) {
  if (state.status === 'idle') return null;
  if (state.status === 'sending') {
    return (
      <p className="notice" role="status">
        {state.reusedKey ? 'Sending again with the same request key…' : 'Sending…'}
      </p>
    );
  }
  if (state.status === 'failed') {
    return (
      <div className="outcome">
        <ErrorMessage error={state.error} context="The command was not carried out." />
        {state.error.retryable && (
          <p className="notice notice-warn small">
            It is not known whether the ledger got it. Submitting the same form again is safe: it reuses the same request key (Idempotency-Key), so the ledger
            applies it at most once.
          </p>
        )}
      </div>
    );
  }
  return (
    <p className="notice notice-ok" role="status">
      {done(state.reply)}
    </p>
  );
}
