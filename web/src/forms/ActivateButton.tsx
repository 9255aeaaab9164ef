/**
 * "Activate now" for a pending grant (POST /v1/points/grants/{grantId}/activations): its
 * points become usable at once, e.g. when the purchase was confirmed early. Sent with an
 * Idempotency-Key like every command; after it the page waits for the answer's seq.
 */
import { commands } from '../api/endpoints.ts';
import type { ActivateReply } from '../api/types.ts';
import { points } from '../format.ts';
import { useCommand } from '../hooks/useCommand.ts';
import { CommandOutcome } from './CommandOutcome.tsx';

interface Props {
  grantId: string;
  onCommitted: (reply: ActivateReply) => void;
}

export function ActivateButton({ grantId, onCommitted }: Props) {
  const { state, submit } = useCommand<ActivateReply>();
  const activate = async () => {
    const reply = await submit(commands.activate(grantId));
    if (reply) onCommitted(reply);
  };
  return (
    <div className="activate">
      {state.status !== 'done' && (
        <button
          type="button"
          className="button button-small"
          onClick={() => void activate()}
          disabled={state.status === 'sending'}
          aria-busy={state.status === 'sending' || undefined}
          aria-label={`Activate now (grant ${grantId})`}
        >
          {state.status === 'sending' ? 'Activating…' : 'Activate now'}
        </button>
      )}
      <CommandOutcome state={state} done={(r) => `Activated ${points(r.activated)} points at seq ${r.seq}: they are usable now (grant ${r.grantId}).`} />
    </div>
  );
}
