/** Revoke what remains of a grant, or only part of it (partial revocation). */
import { useState } from 'react';
import { commands } from '../api/endpoints.ts';
import type { RevokeBody, RevokeReply } from '../api/types.ts';
import { TextField } from '../components/TextField.tsx';
import { points } from '../format.ts';
import { checkAmount, checkReason, checkUuid } from '../validation.ts';
import { CommandForm, useCommandForm } from './CommandForm.tsx';
import { AmountField, Choice, ReasonField } from './fields.tsx';

const FIELDS = ['grantId', 'amount', 'reason'] as const;

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
  const { form, state, shown, passes, send } = useCommandForm<RevokeReply, (typeof FIELDS)[number]>(FIELDS);

  const onSubmit = async () => {
    const id = grantId.trim();
    const ok = passes({
      grantId: checkUuid(id, 'grant id'),
      amount: mode === 'part' ? checkAmount(amount.trim()) : null,
      reason: checkReason(reason.trim()),
    });
    if (!ok) return;
    const body: RevokeBody = { reason: reason.trim() };
    if (mode === 'part') body.amount = Number(amount.trim());
    await send(commands.revoke(id, body), [setAmount, setReason], onCommitted);
  };

  return (
    <CommandForm
      name="revoke"
      title="Revoke a grant"
      form={form}
      state={state}
      onSubmit={onSubmit}
      submitLabel={mode === 'part' ? 'Revoke these points' : 'Revoke what is left'}
      done={(r) => `Revoked ${points(r.revoked)} points at seq ${r.seq} (grant ${r.grantId}).`}
    >
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
      <Choice
        legend="How much"
        name="revoke-mode"
        options={[
          ['all', 'all that remains of the grant'],
          ['part', 'part of it'],
        ]}
        value={mode}
        onChange={setMode}
      />
      {mode === 'part' && (
        <AmountField
          id="revoke-amount"
          label="Points to take back"
          value={amount}
          onChange={setAmount}
          error={shown.amount}
          hint="Whole points, at most what remains of the grant."
        />
      )}
      <ReasonField id="revoke-reason" value={reason} onChange={setReason} error={shown.reason} required />
    </CommandForm>
  );
}
