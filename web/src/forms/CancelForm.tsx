/** Cancel a use, in full (all that is left of it) or in part. */
import { useState } from 'react';
import { commands } from '../api/endpoints.ts';
import type { CancelBody, CancelReply } from '../api/types.ts';
import { TextField } from '../components/TextField.tsx';
import { points } from '../format.ts';
import { checkAmount, checkReason, checkUuid } from '../validation.ts';
import { CommandForm, useCommandForm } from './CommandForm.tsx';
import { AmountField, Choice, ReasonField } from './fields.tsx';
import { optional } from './form-helpers.ts';

const FIELDS = ['useId', 'amount', 'reason'] as const;

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
  const { form, state, shown, passes, send } = useCommandForm<CancelReply, (typeof FIELDS)[number]>(FIELDS);

  const onSubmit = async () => {
    const id = useId.trim();
    const ok = passes({
      useId: checkUuid(id, 'use id'),
      amount: mode === 'part' ? checkAmount(amount.trim()) : null,
      reason: checkReason(reason.trim(), { optional: true }),
    });
    if (!ok) return;
    const body: CancelBody = {};
    if (mode === 'part') body.amount = Number(amount.trim());
    const r = optional(reason);
    if (r) body.reason = r;
    await send(commands.cancelUse(id, body), [setAmount, setReason], onCommitted);
  };

  return (
    <CommandForm name="cancel" title="Cancel a use" form={form} state={state} onSubmit={onSubmit} submitLabel="Cancel the use" done={describe}>
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
      <Choice
        legend="How much"
        name="cancel-mode"
        options={[
          ['all', 'all that is left of the use'],
          ['part', 'part of it'],
        ]}
        value={mode}
        onChange={setMode}
      />
      {mode === 'part' && (
        <AmountField
          id="cancel-amount"
          label="Points to give back"
          value={amount}
          onChange={setAmount}
          error={shown.amount}
          hint="Whole points, at most what is left of the use."
        />
      )}
      <ReasonField id="cancel-reason" value={reason} onChange={setReason} error={shown.reason} />
    </CommandForm>
  );
}
