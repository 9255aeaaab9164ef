/** Revoke what remains of a grant. */
import { useRef, useState, type FormEvent } from 'react';
import { commands } from '../api/endpoints.ts';
import type { RevokeReply } from '../api/types.ts';
import { TextField } from '../components/TextField.tsx';
import { points } from '../format.ts';
import { useCommand } from '../hooks/useCommand.ts';
import { checkReason, checkUuid, collect, type Errors } from '../validation.ts';
import { CommandOutcome } from './CommandOutcome.tsx';
import { apiFieldErrors, focusFirstInvalid } from './form-helpers.ts';
import { SubmitButton } from './SubmitButton.tsx';

const FIELDS = ['grantId', 'reason'] as const;
type Field = (typeof FIELDS)[number];

interface Props {
  initialGrantId?: string;
  /** Points left on the grant, when it was picked from the grants list. */
  remaining?: number;
  onCommitted: (seq: number) => void;
}

export function RevokeForm({ initialGrantId = '', remaining, onCommitted }: Props) {
  const [grantId, setGrantId] = useState(initialGrantId);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Errors<Field>>({});
  const form = useRef<HTMLFormElement>(null);
  const { state, submit } = useCommand<RevokeReply>();
  const shown = { ...apiFieldErrors(state, FIELDS), ...errors };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const id = grantId.trim();
    const found = collect<Field>({ grantId: checkUuid(id, 'grant id'), reason: checkReason(reason.trim()) });
    setErrors(found);
    if (Object.keys(found).length > 0) return focusFirstInvalid(form.current);
    const reply = await submit(commands.revoke(id, { reason: reason.trim() }));
    if (reply) {
      setReason('');
      onCommitted(reply.seq);
    }
  };

  return (
    <form ref={form} onSubmit={onSubmit} noValidate aria-labelledby="revoke-title" className="command-form">
      <h3 id="revoke-title">Revoke a grant</h3>
      <div className="form-grid">
        <TextField id="revoke-grant-id" label="Grant id" value={grantId} onChange={setGrantId} error={shown.grantId} required wide
          hint={remaining !== undefined ? `Picked from the grants list: ${points(remaining)} points left on it.` : 'From the active grants list.'} />
        <TextField id="revoke-reason" label="Reason" value={reason} onChange={setReason} error={shown.reason} required
          hint="1 to 200 characters." />
      </div>
      <SubmitButton sending={state.status === 'sending'}>Revoke what is left</SubmitButton>
      <CommandOutcome state={state} done={(r) => `Revoked ${points(r.revoked)} points at seq ${r.seq} (grant ${r.grantId}).`} />
    </form>
  );
}
