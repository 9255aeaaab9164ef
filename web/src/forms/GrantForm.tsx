/** Grant points: amount, validity (days or an expiry time), reason, source. */
import { useRef, useState, type FormEvent } from 'react';
import { commands } from '../api/endpoints.ts';
import type { GrantBody, GrantReply } from '../api/types.ts';
import { TextField } from '../components/TextField.tsx';
import { points, utc } from '../format.ts';
import { useCommand } from '../hooks/useCommand.ts';
import {
  checkAmount, checkExpiresAt, checkReason, checkSource, checkUserId, checkValidDays, collect, parseUtcDateTime, type Errors,
} from '../validation.ts';
import { CommandOutcome } from './CommandOutcome.tsx';
import { apiFieldErrors, focusFirstInvalid, optional } from './form-helpers.ts';
import { SubmitButton } from './SubmitButton.tsx';

const FIELDS = ['userId', 'amount', 'validDays', 'expiresAt', 'reason', 'source'] as const;
type Field = (typeof FIELDS)[number];

export function GrantForm({ userId, onCommitted }: { userId: string; onCommitted: (seq: number) => void }) {
  const [amount, setAmount] = useState('');
  const [mode, setMode] = useState<'days' | 'date'>('days');
  const [validDays, setValidDays] = useState('365');
  const [expiresAt, setExpiresAt] = useState('');
  const [reason, setReason] = useState('');
  const [source, setSource] = useState('');
  const [errors, setErrors] = useState<Errors<Field>>({});
  const form = useRef<HTMLFormElement>(null);
  const sent = useRef(0);
  const { state, submit } = useCommand<GrantReply>();
  const shown = { ...apiFieldErrors(state, FIELDS), ...errors };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const found = collect<Field>({
      userId: checkUserId(userId),
      amount: checkAmount(amount.trim()),
      validDays: mode === 'days' ? checkValidDays(validDays.trim()) : null,
      expiresAt: mode === 'date' ? checkExpiresAt(expiresAt) : null,
      reason: checkReason(reason.trim()),
      source: checkSource(source.trim()),
    });
    setErrors(found);
    if (Object.keys(found).length > 0) return focusFirstInvalid(form.current);
    const body: GrantBody = { userId, amount: Number(amount.trim()), reason: reason.trim() };
    if (mode === 'days') body.validDays = Number(validDays.trim());
    else body.expiresAt = new Date(parseUtcDateTime(expiresAt)!).toISOString();
    const src = optional(source);
    if (src) body.source = src;
    sent.current = body.amount;
    const reply = await submit(commands.grant(body));
    if (reply) {
      setAmount('');
      setReason('');
      onCommitted(reply.seq);
    }
  };

  return (
    <form ref={form} onSubmit={onSubmit} noValidate aria-labelledby="grant-title" className="command-form">
      <h3 id="grant-title">Grant points to {userId}</h3>
      {shown.userId && <p className="field-error">{shown.userId}</p>}
      <div className="form-grid">
        <TextField id="grant-amount" label="Amount" value={amount} onChange={setAmount} error={shown.amount}
          inputMode="numeric" required hint="Whole points, 1 to 1,000,000,000." />
        <fieldset className="field validity">
          <legend>Valid</legend>
          <label className="radio">
            <input type="radio" name="grant-validity" checked={mode === 'days'} onChange={() => setMode('days')} /> for a number of days
          </label>
          <label className="radio">
            <input type="radio" name="grant-validity" checked={mode === 'date'} onChange={() => setMode('date')} /> until a date and time
          </label>
        </fieldset>
        {mode === 'days' ? (
          <TextField id="grant-days" label="Valid for (days)" value={validDays} onChange={setValidDays} error={shown.validDays}
            inputMode="numeric" required hint="1 to 36,500 days." />
        ) : (
          <TextField id="grant-expires" label="Expires at (UTC)" type="datetime-local" value={expiresAt} onChange={setExpiresAt}
            error={shown.expiresAt} required hint="In the future, at most 100 years ahead." />
        )}
        <TextField id="grant-reason" label="Reason" value={reason} onChange={setReason} error={shown.reason} required
          hint="1 to 200 characters." />
        <TextField id="grant-source" label="Source" value={source} onChange={setSource} error={shown.source}
          hint="Up to 100 characters, e.g. campaign-42." />
      </div>
      <SubmitButton sending={state.status === 'sending'}>Grant points</SubmitButton>
      <CommandOutcome state={state} done={(r) => `Granted ${points(sent.current)} points at seq ${r.seq} (grant ${r.grantId}, expires ${utc(r.expiresAt)}).`} />
    </form>
  );
}
