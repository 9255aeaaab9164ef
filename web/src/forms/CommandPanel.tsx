/**
 * The commands for one user, one form at a time (a hold's capture and release are
 * on the holds list, a pending grant's activation on the grant's answer and lookup). The grants list and the
 * history open the revoke and cancel forms here, filled in (`pick`).
 */
import { useEffect, useRef, useState } from 'react';
import { CancelForm } from './CancelForm.tsx';
import { GrantForm } from './GrantForm.tsx';
import { HoldForm } from './HoldForm.tsx';
import { RevokeForm } from './RevokeForm.tsx';
import { UseForm } from './UseForm.tsx';

export type CommandTab = 'grant' | 'use' | 'hold' | 'cancel' | 'revoke';

export type CommandPick =
  | { tab: 'cancel'; useId: string; amount: number; nonce: number }
  | { tab: 'revoke'; grantId: string; remaining: number; nonce: number };

const TABS: { tab: CommandTab; label: string }[] = [
  { tab: 'grant', label: 'Grant' },
  { tab: 'use', label: 'Use' },
  { tab: 'hold', label: 'Hold' },
  { tab: 'cancel', label: 'Cancel a use' },
  { tab: 'revoke', label: 'Revoke a grant' },
];

interface Props {
  userId: string;
  pick: CommandPick | null;
  onCommitted: (seq: number) => void;
}

export function CommandPanel({ userId, pick, onCommitted }: Props) {
  const [tab, setTab] = useState<CommandTab>('grant');
  const [seen, setSeen] = useState<CommandPick | null>(null);
  const section = useRef<HTMLElement>(null);

  // A new pick switches the tab in the same render, so its form is visible at once.
  if (pick !== seen) {
    setSeen(pick);
    if (pick) setTab(pick.tab);
  }

  useEffect(() => {
    if (!pick) return;
    section.current?.scrollIntoView?.({ block: 'start' });
    // The picked id is filled in: focus what is left to decide.
    const next = pick.tab === 'revoke' ? '#revoke-reason' : 'input[name="cancel-mode"]:checked';
    section.current?.querySelector<HTMLInputElement>(next)?.focus();
  }, [pick]);

  return (
    <section className="panel" aria-labelledby="commands-title" ref={section}>
      <h2 id="commands-title">Commands</h2>
      {/* biome-ignore lint/a11y/useSemanticElements: a row of tab buttons, not form fields: a fieldset would be wrong */}
      <div className="tabs" role="group" aria-label="Command">
        {TABS.map((t) => (
          <button key={t.tab} type="button" className="tab" aria-pressed={tab === t.tab} onClick={() => setTab(t.tab)}>
            {t.label}
          </button>
        ))}
      </div>
      {/* All of them stay mounted, so a form keeps its request key across tab switches. */}
      <div data-tab="grant" hidden={tab !== 'grant'}>
        <GrantForm userId={userId} onCommitted={onCommitted} />
      </div>
      <div data-tab="use" hidden={tab !== 'use'}>
        <UseForm userId={userId} onCommitted={onCommitted} />
      </div>
      <div data-tab="hold" hidden={tab !== 'hold'}>
        <HoldForm userId={userId} onCommitted={onCommitted} />
      </div>
      <div data-tab="cancel" hidden={tab !== 'cancel'}>
        {pick?.tab === 'cancel' ? (
          <CancelForm key={pick.nonce} initialUseId={pick.useId} usedAmount={pick.amount} onCommitted={onCommitted} />
        ) : (
          <CancelForm onCommitted={onCommitted} />
        )}
      </div>
      <div data-tab="revoke" hidden={tab !== 'revoke'}>
        {pick?.tab === 'revoke' ? (
          <RevokeForm key={pick.nonce} initialGrantId={pick.grantId} remaining={pick.remaining} onCommitted={onCommitted} />
        ) : (
          <RevokeForm onCommitted={onCommitted} />
        )}
      </div>
    </section>
  );
}
