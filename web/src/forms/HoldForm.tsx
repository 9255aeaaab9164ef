/**
 * Hold points at checkout: amount, order id, how long the hold lasts (ttlSeconds), reason.
 * The points leave the balance for `held` until the hold is captured, released or lapses.
 */
import { useRef, useState } from 'react';
import { commands } from '../api/endpoints.ts';
import type { HoldBody, HoldReply } from '../api/types.ts';
import { TextField } from '../components/TextField.tsx';
import { points, utc } from '../format.ts';
import { checkAmount, checkOrderId, checkReason, checkTtlSeconds, checkUserId } from '../validation.ts';
import { CommandForm, useCommandForm } from './CommandForm.tsx';
import { AmountField, ReasonField } from './fields.tsx';
import { optional, userPointsBody } from './form-helpers.ts';

const FIELDS = ['userId', 'amount', 'orderId', 'ttlSeconds', 'reason'] as const;

export function HoldForm({ userId, onCommitted }: { userId: string; onCommitted: (seq: number) => void }) {
  const [amount, setAmount] = useState('');
  const [orderId, setOrderId] = useState('');
  const [ttlSeconds, setTtlSeconds] = useState('');
  const [reason, setReason] = useState('');
  const sent = useRef(0);
  const { form, state, shown, passes, send } = useCommandForm<HoldReply, (typeof FIELDS)[number]>(FIELDS);

  const onSubmit = async () => {
    const ok = passes({
      userId: checkUserId(userId),
      amount: checkAmount(amount.trim()),
      orderId: checkOrderId(orderId.trim()),
      ttlSeconds: checkTtlSeconds(ttlSeconds.trim()),
      reason: checkReason(reason.trim(), { optional: true }),
    });
    if (!ok) return;
    const body: HoldBody = userPointsBody(userId, amount, orderId, reason);
    const t = optional(ttlSeconds);
    if (t) body.ttlSeconds = Number(t);
    sent.current = body.amount;
    await send(commands.hold(body), [setAmount, setOrderId, setReason], onCommitted);
  };

  return (
    <CommandForm
      name="hold"
      title={<>Hold points of {userId}</>}
      form={form}
      state={state}
      onSubmit={onSubmit}
      userError={shown.userId}
      submitLabel="Hold points"
      done={(r) => `Held ${points(sent.current)} points at seq ${r.seq} (hold ${r.holdId}, until ${utc(r.expiresAt)}).`}
    >
      <AmountField id="hold-amount" value={amount} onChange={setAmount} error={shown.amount} hint="Whole points, at most the balance." />
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
      <ReasonField id="hold-reason" value={reason} onChange={setReason} error={shown.reason} />
    </CommandForm>
  );
}
