/** Use points: amount, order id, reason. */
import { useRef, useState } from 'react';
import { commands } from '../api/endpoints.ts';
import type { UseReply } from '../api/types.ts';
import { TextField } from '../components/TextField.tsx';
import { points } from '../format.ts';
import { checkAmount, checkOrderId, checkReason, checkUserId } from '../validation.ts';
import { CommandForm, useCommandForm } from './CommandForm.tsx';
import { AmountField, ReasonField } from './fields.tsx';
import { userPointsBody } from './form-helpers.ts';

const FIELDS = ['userId', 'amount', 'orderId', 'reason'] as const;

export function UseForm({ userId, onCommitted }: { userId: string; onCommitted: (seq: number) => void }) {
  const [amount, setAmount] = useState('');
  const [orderId, setOrderId] = useState('');
  const [reason, setReason] = useState('');
  const sent = useRef(0);
  const { form, state, shown, passes, send } = useCommandForm<UseReply, (typeof FIELDS)[number]>(FIELDS);

  const onSubmit = async () => {
    const ok = passes({
      userId: checkUserId(userId),
      amount: checkAmount(amount.trim()),
      orderId: checkOrderId(orderId.trim()),
      reason: checkReason(reason.trim(), { optional: true }),
    });
    if (!ok) return;
    const body = userPointsBody(userId, amount, orderId, reason);
    sent.current = body.amount;
    await send(commands.use(body), [setAmount, setOrderId, setReason], onCommitted);
  };

  return (
    <CommandForm
      name="use"
      title={<>Use points of {userId}</>}
      form={form}
      state={state}
      onSubmit={onSubmit}
      userError={shown.userId}
      submitLabel="Use points"
      done={(r) => `Used ${points(sent.current)} points at seq ${r.seq} (use ${r.useId}).`}
    >
      <AmountField id="use-amount" value={amount} onChange={setAmount} error={shown.amount} hint="Whole points, 1 to 1,000,000,000." />
      <TextField id="use-order" label="Order id" value={orderId} onChange={setOrderId} error={shown.orderId} hint="Up to 100 characters." />
      <ReasonField id="use-reason" value={reason} onChange={setReason} error={shown.reason} />
    </CommandForm>
  );
}
