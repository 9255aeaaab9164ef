/**
 * Grant points: amount, validity (days or an expiry time), reason, source, order id, and
 * when the points become usable (availableAt: a pending grant, with "Activate now").
 */
import { useRef, useState, type FormEvent } from 'react';
import { commands } from '../api/endpoints.ts';
import type { ActivateReply, GrantBody, GrantReply } from '../api/types.ts';
import { TextField } from '../components/TextField.tsx';
import { points, utc } from '../format.ts';
import { useCommand } from '../hooks/useCommand.ts';
import { findHref } from '../hooks/useHashRoute.ts';
import {
  checkAmount,
  checkAvailableAt,
  checkExpiresAt,
  checkOrderId,
  checkReason,
  checkSource,
  checkUserId,
  checkValidDays,
  collect,
  parseUtcDateTime,
  type Errors,
} from '../validation.ts';
import { ActivateButton } from './ActivateButton.tsx';
import { CommandOutcome } from './CommandOutcome.tsx';
import { apiFieldErrors, focusFirstInvalid, optional } from './form-helpers.ts';
import { SubmitButton } from './SubmitButton.tsx';

const FIELDS = ['userId', 'amount', 'validDays', 'expiresAt', 'availableAt', 'orderId', 'reason', 'source'] as const;
type Field = (typeof FIELDS)[number];

export function GrantForm({ userId, onCommitted }: { userId: string; onCommitted: (seq: number) => void }) {
  const [amount, setAmount] = useState('');
  const [mode, setMode] = useState<'days' | 'date'>('days');
  const [validDays, setValidDays] = useState('365');
  const [expiresAt, setExpiresAt] = useState('');
  const [reason, setReason] = useState('');
  const [source, setSource] = useState('');
  const [orderId, setOrderId] = useState('');
  const [availableAt, setAvailableAt] = useState('');
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
      availableAt: checkAvailableAt(availableAt, { expiresAt: mode === 'date' ? parseUtcDateTime(expiresAt) : null }),
      orderId: checkOrderId(orderId.trim()),
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
    const o = optional(orderId);
    if (o) body.orderId = o;
    if (availableAt !== '') body.availableAt = new Date(parseUtcDateTime(availableAt)!).toISOString();
    sent.current = body.amount;
    const reply = await submit(commands.grant(body));
    if (reply) {
      setAmount('');
      setReason('');
      setOrderId('');
      setAvailableAt('');
      onCommitted(reply.seq);
    }
  };

  const describe = (r: GrantReply) =>
    r.state === 'PENDING'
      ? `Granted ${points(sent.current)} points at seq ${r.seq}, pending until ${utc(r.availableAt)} (grant ${r.grantId}, expires ${utc(r.expiresAt)}).`
      : `Granted ${points(sent.current)} points at seq ${r.seq} (grant ${r.grantId}, expires ${utc(r.expiresAt)}).`;
  const pending = state.status === 'done' && state.reply.state === 'PENDING' ? state.reply : null;
  const onActivated = (r: ActivateReply) => onCommitted(r.seq);

  return (
    <form ref={form} onSubmit={onSubmit} noValidate aria-labelledby="grant-title" className="command-form">
      <h3 id="grant-title">Grant points to {userId}</h3>
      {shown.userId && <p className="field-error">{shown.userId}</p>}
      <div className="form-grid">
        <TextField
          id="grant-amount"
          label="Amount"
          value={amount}
          onChange={setAmount}
          error={shown.amount}
          inputMode="numeric"
          required
          hint="Whole points, 1 to 1,000,000,000."
        />
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
          <TextField
            id="grant-days"
            label="Valid for (days)"
            value={validDays}
            onChange={setValidDays}
            error={shown.validDays}
            inputMode="numeric"
            required
            hint="1 to 36,500 days."
          />
        ) : (
          <TextField
            id="grant-expires"
            label="Expires at (UTC)"
            type="datetime-local"
            value={expiresAt}
            onChange={setExpiresAt}
            error={shown.expiresAt}
            required
            hint="In the future, at most 100 years ahead."
          />
        )}
        <TextField id="grant-reason" label="Reason" value={reason} onChange={setReason} error={shown.reason} required hint="1 to 200 characters." />
        <TextField id="grant-source" label="Source" value={source} onChange={setSource} error={shown.source} hint="Up to 100 characters, e.g. campaign-42." />
        <TextField id="grant-order" label="Order id" value={orderId} onChange={setOrderId} error={shown.orderId} hint="The order that earned the points." />
        <TextField
          id="grant-available"
          label="Usable from (UTC)"
          type="datetime-local"
          value={availableAt}
          onChange={setAvailableAt}
          error={shown.availableAt}
          hint="Leave empty for points usable now. A time in the future makes the grant pending until then; the validity in days counts from it."
        />
      </div>
      <SubmitButton sending={state.status === 'sending'}>Grant points</SubmitButton>
      <CommandOutcome state={state} done={describe} />
      {pending && (
        <div className="inline-actions">
          <ActivateButton key={pending.grantId} grantId={pending.grantId} onCommitted={onActivated} />
          <a href={findHref(pending.grantId, 'grant')}>Look the grant up</a>
        </div>
      )}
    </form>
  );
}
