/**
 * Grant points: amount, validity (days or an expiry time), reason, source, order id, and
 * when the points become usable (availableAt: a pending grant, with "Activate now").
 */
import { useRef, useState } from 'react';
import { commands } from '../api/endpoints.ts';
import type { ActivateReply, GrantBody, GrantReply } from '../api/types.ts';
import { TextField } from '../components/TextField.tsx';
import { points, utc } from '../format.ts';
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
  parseUtcDateTime,
} from '../validation.ts';
import { ActivateButton } from './ActivateButton.tsx';
import { CommandForm, useCommandForm } from './CommandForm.tsx';
import { AmountField, Choice, ReasonField } from './fields.tsx';
import { optional } from './form-helpers.ts';

const FIELDS = ['userId', 'amount', 'validDays', 'expiresAt', 'availableAt', 'orderId', 'reason', 'source'] as const;

export function GrantForm({ userId, onCommitted }: { userId: string; onCommitted: (seq: number) => void }) {
  const [amount, setAmount] = useState('');
  const [mode, setMode] = useState<'days' | 'date'>('days');
  const [validDays, setValidDays] = useState('365');
  const [expiresAt, setExpiresAt] = useState('');
  const [reason, setReason] = useState('');
  const [source, setSource] = useState('');
  const [orderId, setOrderId] = useState('');
  const [availableAt, setAvailableAt] = useState('');
  const sent = useRef(0);
  const { form, state, shown, passes, send } = useCommandForm<GrantReply, (typeof FIELDS)[number]>(FIELDS);

  const onSubmit = async () => {
    const ok = passes({
      userId: checkUserId(userId),
      amount: checkAmount(amount.trim()),
      validDays: mode === 'days' ? checkValidDays(validDays.trim()) : null,
      expiresAt: mode === 'date' ? checkExpiresAt(expiresAt) : null,
      availableAt: checkAvailableAt(availableAt, { expiresAt: mode === 'date' ? parseUtcDateTime(expiresAt) : null }),
      orderId: checkOrderId(orderId.trim()),
      reason: checkReason(reason.trim()),
      source: checkSource(source.trim()),
    });
    if (!ok) return;
    const body: GrantBody = { userId, amount: Number(amount.trim()), reason: reason.trim() };
    if (mode === 'days') body.validDays = Number(validDays.trim());
    else body.expiresAt = new Date(parseUtcDateTime(expiresAt)!).toISOString();
    const src = optional(source);
    if (src) body.source = src;
    const o = optional(orderId);
    if (o) body.orderId = o;
    if (availableAt !== '') body.availableAt = new Date(parseUtcDateTime(availableAt)!).toISOString();
    sent.current = body.amount;
    await send(commands.grant(body), [setAmount, setReason, setOrderId, setAvailableAt], onCommitted);
  };

  const describe = (r: GrantReply) =>
    r.state === 'PENDING'
      ? `Granted ${points(sent.current)} points at seq ${r.seq}, pending until ${utc(r.availableAt)} (grant ${r.grantId}, expires ${utc(r.expiresAt)}).`
      : `Granted ${points(sent.current)} points at seq ${r.seq} (grant ${r.grantId}, expires ${utc(r.expiresAt)}).`;
  const pending = state.status === 'done' && state.reply.state === 'PENDING' ? state.reply : null;
  const onActivated = (r: ActivateReply) => onCommitted(r.seq);

  return (
    <CommandForm
      name="grant"
      title={<>Grant points to {userId}</>}
      form={form}
      state={state}
      onSubmit={onSubmit}
      userError={shown.userId}
      submitLabel="Grant points"
      done={describe}
      after={
        pending && (
          <div className="inline-actions">
            <ActivateButton key={pending.grantId} grantId={pending.grantId} onCommitted={onActivated} />
            <a href={findHref(pending.grantId, 'grant')}>Look the grant up</a>
          </div>
        )
      }
    >
      <AmountField id="grant-amount" value={amount} onChange={setAmount} error={shown.amount} hint="Whole points, 1 to 1,000,000,000." />
      <Choice
        legend="Valid"
        name="grant-validity"
        options={[
          ['days', 'for a number of days'],
          ['date', 'until a date and time'],
        ]}
        value={mode}
        onChange={setMode}
      />
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
      <ReasonField id="grant-reason" value={reason} onChange={setReason} error={shown.reason} required />
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
    </CommandForm>
  );
}
