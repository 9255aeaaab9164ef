/** Use points: amount, order id, reason. */
import { useRef, useState, type FormEvent } from 'react';
import { commands } from '../api/endpoints.ts';
import { useCommand } from '../hooks/useCommand.ts';
import type { UseBody, UseReply } from '../api/types.ts';
import { TextField } from '../components/TextField.tsx';
import { points } from '../format.ts';
import { checkAmount, checkOrderId, checkReason, checkUserId, collect, type Errors } from '../validation.ts';
import { CommandOutcome } from './CommandOutcome.tsx';
import { apiFieldErrors, focusFirstInvalid, optional } from './form-helpers.ts';
import { SubmitButton } from './SubmitButton.tsx';

const FIELDS = ['userId', 'amount', 'orderId', 'reason'] as const;
type Field = (typeof FIELDS)[number];

export function UseForm({ userId, onCommitted }: { userId: string; onCommitted: (seq: number) => void }) {
  const [amount, setAmount] = useState('');
  const [orderId, setOrderId] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Errors<Field>>({});
  const form = useRef<HTMLFormElement>(null);
  const sent = useRef(0);
  const { state, submit } = useCommand<UseReply>();
  const shown = { ...apiFieldErrors(state, FIELDS), ...errors };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const found = collect<Field>({
      userId: checkUserId(userId),
      amount: checkAmount(amount.trim()),
      orderId: checkOrderId(orderId.trim()),
      reason: checkReason(reason.trim(), { optional: true }),
    });
    setErrors(found);
    if (Object.keys(found).length > 0) return focusFirstInvalid(form.current);
    const body: UseBody = { userId, amount: Number(amount.trim()) };
    const o = optional(orderId);
    const r = optional(reason);
    if (o) body.orderId = o;
    if (r) body.reason = r;
    sent.current = body.amount;
    const reply = await submit(commands.use(body));
    if (reply) {
      setAmount('');
      setOrderId('');
      setReason('');
      onCommitted(reply.seq);
    }
  };

  return (
    <form ref={form} onSubmit={onSubmit} noValidate aria-labelledby="use-title" className="command-form">
      <h3 id="use-title">Use points of {userId}</h3>
      {shown.userId && <p className="field-error">{shown.userId}</p>}
      <div className="form-grid">
        <TextField
          id="use-amount"
          label="Amount"
          value={amount}
          onChange={setAmount}
          error={shown.amount}
          inputMode="numeric"
          required
          hint="Whole points, 1 to 1,000,000,000."
        />
        <TextField id="use-order" label="Order id" value={orderId} onChange={setOrderId} error={shown.orderId} hint="Up to 100 characters." />
        <TextField id="use-reason" label="Reason" value={reason} onChange={setReason} error={shown.reason} hint="Up to 200 characters." />
      </div>
      <SubmitButton sending={state.status === 'sending'}>Use points</SubmitButton>
      <CommandOutcome state={state} done={(r) => `Used ${points(sent.current)} points at seq ${r.seq} (use ${r.useId}).`} />
    </form>
  );
}
