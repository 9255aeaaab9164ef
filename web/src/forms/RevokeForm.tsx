/** Revoke what remains of a grant, or only part of it (partial revocation). */
import { useRef, useState, type FormEvent } from 'react';
import { commands } from '../api/endpoints.ts';
import type { RevokeBody, RevokeReply } from '../api/types.ts';
import { TextField } from '../components/TextField.tsx';
import { points } from '../format.ts';
import { useCommand } from '../hooks/useCommand.ts';
import { checkAmount, checkReason, checkUuid, collect, type Errors } from '../validation.ts';
import { CommandOutcome } from './CommandOutcome.tsx';
import { apiFieldErrors, focusFirstInvalid } from './form-helpers.ts';
import { SubmitButton } from './SubmitButton.tsx';

const FIELDS = ['grantId', 'amount', 'reason'] as const;
type Field = (typeof FIELDS)[number];

interface Props {
  initialGrantId?: string;
  /** Points left on the grant, when it was picked from the grants list. */
  remaining?: number;
  onCommitted: (seq: number) => void;
}

export function RevokeForm({ initialGrantId = '', remaining, onCommitted }: Props) {
  const [grantId, setGrantId] = useState(initialGrantId);
  const [mode, setMode] = useState<'all' | 'part'>('all');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Errors<Field>>({});
  const form = useRef<HTMLFormElement>(null);
  const { state, submit } = useCommand<RevokeReply>();
  const shown = { ...apiFieldErrors(state, FIELDS), ...errors };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const id = grantId.trim();
    const found = collect<Field>({
      grantId: checkUuid(id, 'grant id'),
      amount: mode === 'part' ? checkAmount(amount.trim()) : null,
      reason: checkReason(reason.trim()),
    });
    setErrors(found);
    if (Object.keys(found).length > 0) return focusFirstInvalid(form.current);
    const body: RevokeBody = { reason: reason.trim() };
    if (mode === 'part') body.amount = Number(amount.trim());
    const reply = await submit(commands.revoke(id, body));
    if (reply) {
      setAmount('');
      setReason('');
      onCommitted(reply.seq);
    }
  };

  return (
    <form ref={form} onSubmit={onSubmit} noValidate aria-labelledby="revoke-title" className="command-form">
      <h3 id="revoke-title">Revoke a grant</h3>
      <div className="form-grid">
        <TextField
          id="revoke-grant-id"
          label="Grant id"
          value={grantId}
          onChange={setGrantId}
          error={shown.grantId}
          required
          wide
          hint={remaining !== undefined ? `Picked from the grants list: ${points(remaining)} points left on it.` : 'From the active grants list.'}
        />
        <fieldset className="field validity">
          <legend>How much</legend>
          <label className="radio">
            <input type="radio" name="revoke-mode" checked={mode === 'all'} onChange={() => setMode('all')} /> all that remains of the grant
          </label>
          <label className="radio">
            <input type="radio" name="revoke-mode" checked={mode === 'part'} onChange={() => setMode('part')} /> part of it
          </label>
        </fieldset>
        {mode === 'part' && (
          <TextField
            id="revoke-amount"
            label="Points to take back"
            value={amount}
            onChange={setAmount}
            error={shown.amount}
            inputMode="numeric"
            required
            hint="Whole points, at most what remains of the grant."
          />
        )}
        <TextField id="revoke-reason" label="Reason" value={reason} onChange={setReason} error={shown.reason} required hint="1 to 200 characters." />
      </div>
      <SubmitButton sending={state.status === 'sending'}>{mode === 'part' ? 'Revoke these points' : 'Revoke what is left'}</SubmitButton>
      <CommandOutcome state={state} done={(r) => `Revoked ${points(r.revoked)} points at seq ${r.seq} (grant ${r.grantId}).`} />
    </form>
  );
}
