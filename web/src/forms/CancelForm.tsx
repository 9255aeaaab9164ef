/** Cancel a use, in full (all that is left of it) or in part. */
import { useRef, useState, type FormEvent } from 'react';
import { commands } from '../api/endpoints.ts';
import type { CancelBody, CancelReply } from '../api/types.ts';
import { TextField } from '../components/TextField.tsx';
import { points } from '../format.ts';
import { useCommand } from '../hooks/useCommand.ts';
import { checkAmount, checkReason, checkUuid, collect, type Errors } from '../validation.ts';
import { CommandOutcome } from './CommandOutcome.tsx';
import { apiFieldErrors, focusFirstInvalid, optional } from './form-helpers.ts';
import { SubmitButton } from './SubmitButton.tsx';

const FIELDS = ['useId', 'amount', 'reason'] as const;
type Field = (typeof FIELDS)[number];

interface Props {
  initialUseId?: string;
  /** Points the use took, when it was picked from the history. */
  usedAmount?: number;
  onCommitted: (seq: number) => void;
}

function describe(r: CancelReply): string {
  const back = r.restored.reduce((s, x) => s + x.amount, 0);
  const lapsed = r.restored.filter((x) => x.expired).reduce((s, x) => s + x.amount, 0);
  const revoked = r.restored.filter((x) => x.revoked).reduce((s, x) => s + x.amount, 0);
  const notes = [
    lapsed ? `${points(lapsed)} went to lapsed grants and expired again` : '',
    revoked ? `${points(revoked)} went to revoked grants and were revoked again` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return `Cancelled: ${points(back)} points given back at seq ${r.seq}${notes ? ` (${notes})` : ''}.`;
}

export function CancelForm({ initialUseId = '', usedAmount, onCommitted }: Props) {
  const [useId, setUseId] = useState(initialUseId);
  const [mode, setMode] = useState<'all' | 'part'>('all');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Errors<Field>>({});
  const form = useRef<HTMLFormElement>(null);
  const { state, submit } = useCommand<CancelReply>();
  const shown = { ...apiFieldErrors(state, FIELDS), ...errors };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const id = useId.trim();
    const found = collect<Field>({
      useId: checkUuid(id, 'use id'),
      amount: mode === 'part' ? checkAmount(amount.trim()) : null,
      reason: checkReason(reason.trim(), { optional: true }),
    });
    setErrors(found);
    if (Object.keys(found).length > 0) return focusFirstInvalid(form.current);
    const body: CancelBody = {};
    if (mode === 'part') body.amount = Number(amount.trim());
    const r = optional(reason);
    if (r) body.reason = r;
    const reply = await submit(commands.cancelUse(id, body));
    if (reply) {
      setAmount('');
      setReason('');
      onCommitted(reply.seq);
    }
  };

  return (
    <form ref={form} onSubmit={onSubmit} noValidate aria-labelledby="cancel-title" className="command-form">
      <h3 id="cancel-title">Cancel a use</h3>
      <div className="form-grid">
        <TextField
          id="cancel-use-id"
          label="Use id"
          value={useId}
          onChange={setUseId}
          error={shown.useId}
          required
          wide
          hint={usedAmount ? `Picked from the history: a use of ${points(usedAmount)} points.` : 'From a "Used" row of the history, or the answer of the use.'}
        />
        <fieldset className="field validity">
          <legend>How much</legend>
          <label className="radio">
            <input type="radio" name="cancel-mode" checked={mode === 'all'} onChange={() => setMode('all')} /> all that is left of the use
          </label>
          <label className="radio">
            <input type="radio" name="cancel-mode" checked={mode === 'part'} onChange={() => setMode('part')} /> part of it
          </label>
        </fieldset>
        {mode === 'part' && (
          <TextField
            id="cancel-amount"
            label="Points to give back"
            value={amount}
            onChange={setAmount}
            error={shown.amount}
            inputMode="numeric"
            required
            hint="Whole points, at most what is left of the use."
          />
        )}
        <TextField id="cancel-reason" label="Reason" value={reason} onChange={setReason} error={shown.reason} hint="Up to 200 characters." />
      </div>
      <SubmitButton sending={state.status === 'sending'}>Cancel the use</SubmitButton>
      <CommandOutcome state={state} done={describe} />
    </form>
  );
}
