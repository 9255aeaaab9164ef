/**
 * A customer: look up, balance (with held and pending), active grants, active holds
 * (capture, release), history, and the commands. After a
 * command the page waits for the read model to reach the command's seq, then reloads.
 */
import { useCallback, useState } from 'react';
import { getActiveHolds, getGrants } from '../api/endpoints.ts';
import { BalanceCard } from '../customer/BalanceCard.tsx';
import { GrantsTable } from '../customer/GrantsTable.tsx';
import { HistoryTable } from '../customer/HistoryTable.tsx';
import { HoldsTable } from '../customer/HoldsTable.tsx';
import { LookupForm } from '../customer/LookupForm.tsx';
import { CommandPanel, type CommandPick } from '../forms/CommandPanel.tsx';
import { Empty } from '../components/Status.tsx';
import { useAsync } from '../hooks/useAsync.ts';
import { useBalance } from '../hooks/useBalance.ts';
import { checkUserId } from '../validation.ts';

export function CustomerPage({ userId }: { userId: string | null }) {
  const problem = userId === null ? null : checkUserId(userId);
  return (
    <>
      <h1>Customers</h1>
      <LookupForm key={`lookup:${userId ?? ''}`} current={userId} />
      {userId === null && <Empty>Enter a user id to see the balance, the active grants and the history, and to grant or use points.</Empty>}
      {userId !== null && problem && (
        <p className="notice notice-error" role="alert">
          “{userId}” is not a user id: {problem}
        </p>
      )}
      {userId !== null && !problem && <Customer key={`customer:${userId}`} userId={userId} />}
    </>
  );
}

function Customer({ userId }: { userId: string }) {
  const balance = useBalance(userId);
  const [version, setVersion] = useState(0);
  const [pick, setPick] = useState<CommandPick | null>(null);
  const grants = useAsync((signal) => getGrants(userId, signal), [userId, version]);
  const holds = useAsync((signal) => getActiveHolds(userId, signal), [userId, version]);
  const waiting = balance.view.status === 'waiting';
  const { catchUp, reload } = balance;

  const onCommitted = useCallback(
    (seq: number) => {
      void catchUp(seq).then((b) => {
        if (b) setVersion((v) => v + 1);
      });
    },
    [catchUp],
  );

  const refresh = () => {
    reload();
    setVersion((v) => v + 1);
  };

  return (
    <div className="customer">
      <div className="columns">
        <BalanceCard userId={userId} view={balance.view} onRefresh={refresh} />
        <CommandPanel userId={userId} pick={pick} onCommitted={onCommitted} />
      </div>
      <GrantsTable
        grants={grants}
        stale={waiting}
        onRevoke={(g) => setPick({ tab: 'revoke', grantId: g.grantId, remaining: g.remaining, nonce: Date.now() })}
      />
      <HoldsTable holds={holds} stale={waiting} onCommitted={onCommitted} />
      <HistoryTable
        key={version}
        userId={userId}
        stale={waiting}
        onCancelUse={(i) => setPick({ tab: 'cancel', useId: i.useId!, amount: i.amount, nonce: Date.now() })}
      />
    </div>
  );
}
