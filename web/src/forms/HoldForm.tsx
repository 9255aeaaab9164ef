/**
 * Hold points at checkout: amount, order id, how long the hold lasts (ttlSeconds), reason.
 * The points leave the balance for `held` until the hold is captured, released or lapses.
 */
import { useRef, useState, type FormEvent } from 'react';
import { commands } from '../api/endpoints.ts';
import type { HoldBody, HoldReply } from '../api/types.ts';
import { TextField } from '../components/TextField.tsx';
import { points, utc } from '../format.ts';
import { useCommand } from '../hooks/useCommand.ts';
import { checkAmount, checkOrderId, checkReason, checkTtlSeconds, checkUserId, collect, type Errors } from '../validation.ts';
import { CommandOutcome } from './CommandOutcome.tsx';
import { apiFieldErrors, focusFirstInvalid, optional } from './form-helpers.ts';
import { SubmitButton } from './SubmitButton.tsx';

const FIELDS = ['userId', 'amount', 'orderId', 'ttlSeconds', 'reason'] as const;
type Field = (typeof FIELDS)[number];

export function HoldForm({ userId, onCommitted }: { userId: string; onCommitted: (seq: number) => void }) {
  const [amount, setAmount] = useState('');
  const [orderId, setOrderId] = useState('');
  const [ttlSeconds, setTtlSeconds] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Errors<Field>>({});
  const form = useRef<HTMLFormElement>(null);
  const sent = useRef(0);
  const { state, submit } = useCommand<HoldReply>();
  const shown = { ...apiFieldErrors(state, FIELDS), ...errors };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const found = collect<Field>({
      userId: checkUserId(userId),
      amount: checkAmount(amount.trim()),
      orderId: checkOrderId(orderId.trim()),
      ttlSeconds: checkTtlSeconds(ttlSeconds.trim()),
      reason: checkReason(reason.trim(), { optional: true }),
    });
    setErrors(found);
    if (Object.keys(found).length > 0) return focusFirstInvalid(form.current);
    const body: HoldBody = { userId, amount: Number(amount.trim()) };
    const o = optional(orderId);
    const t = optional(ttlSeconds);
    const r = optional(reason);
    if (o) body.orderId = o;
    if (t) body.ttlSeconds = Number(t);
    if (r) body.reason = r;
    sent.current = body.amount;
    const reply = await submit(commands.hold(body));
    if (reply) {
      setAmount('');
      setOrderId('');
      setReason('');
      onCommitted(reply.seq);
    }
  };

  return (
    <form ref={form} onSubmit={onSubmit} noValidate aria-labelledby="hold-title" className="command-form">
      <h3 id="hold-title">Hold points of {userId}</h3>
      {shown.userId && <p className="field-error">{shown.userId}</p>}
      <div className="form-grid">
        <TextField
          id="hold-amount"
          label="Amount"
          value={amount}
          onChange={setAmount}
          error={shown.amount}
          inputMode="numeric"
          required
          hint="Whole points, at most the balance."
        />
        <TextField id="hold-order" label="Order id" value={orderId} onChange={setOrderId} error={shown.orderId} hint="The order at checkout." />
        <TextField
          id="hold-ttl"
          label="Lasts (seconds)"
          value={ttlSeconds}
          onChange={setTtlSeconds}
          error={shown.ttlSeconds}
          inputMode="numeric"
          hint="60 to 86,400; empty: 900 (15 minutes). Then the hold lapses and its points come back."
        />
        <TextField id="hold-reason" label="Reason" value={reason} onChange={setReason} error={shown.reason} hint="Up to 200 characters." />
      </div>
      <SubmitButton sending={state.status === 'sending'}>Hold points</SubmitButton>
      <CommandOutcome state={state} done={(r) => `Held ${points(sent.current)} points at seq ${r.seq} (hold ${r.holdId}, until ${utc(r.expiresAt)}).`} />
    </form>
  );
}
