/**
 * The user's active holds, earliest expiry first, each with Capture (all of it, or the
 * points typed in; the rest is released at once) and Release. Both are commands with an
 * Idempotency-Key; after one the page waits for its seq, then reads the list again.
 */
import { useState, type FormEvent } from 'react';
import { commands } from '../api/endpoints.ts';
import type { CaptureReply, HoldAnswer, ReleaseReply } from '../api/types.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Empty, Loading } from '../components/Status.tsx';
import { Table } from '../components/Table.tsx';
import { CommandOutcome } from '../forms/CommandOutcome.tsx';
import { points, utc } from '../format.ts';
import type { AsyncState } from '../hooks/useAsync.ts';
import { useCommand } from '../hooks/useCommand.ts';
import { findHref } from '../hooks/useHashRoute.ts';
import { checkAmount } from '../validation.ts';

type Reply = CaptureReply | ReleaseReply;

function describe(r: Reply): string {
  if ('captured' in r) {
    const rest = r.released > 0 ? `; the other ${points(r.released)} went back to the balance` : '';
    return `Captured ${points(r.captured)} points at seq ${r.seq} as use ${r.useId}${rest}.`;
  }
  const lapsed = r.restored.filter((x) => x.expired).reduce((s, x) => s + x.amount, 0);
  return `Released ${points(r.released)} points at seq ${r.seq} (hold ${r.holdId})${lapsed ? `; ${points(lapsed)} went to lapsed grants and expired at once` : ''}.`;
}

/** "in 14 min", "in 3 h", "now". */
function timeLeft(expiresAt: string, now: number): string {
  const ms = Date.parse(expiresAt) - now;
  if (!(ms > 0)) return 'lapsing now';
  if (ms < 3_600_000) return `in ${Math.max(1, Math.round(ms / 60_000))} min`;
  return `in ${Math.round(ms / 3_600_000)} h`;
}

interface Props {
  holds: AsyncState<HoldAnswer[]>;
  stale: boolean;
  onCommitted: (seq: number) => void;
  now?: number;
}

export function HoldsTable({ holds, stale, onCommitted, now = Date.now() }: Props) {
  const list = holds.data;
  const { state, submit } = useCommand<Reply>();
  const busy = state.status === 'sending';

  const send = async (command: Parameters<typeof submit>[0]) => {
    const reply = await submit(command);
    if (reply) onCommitted(reply.seq);
  };

  return (
    <section className={`panel${stale ? ' stale' : ''}`} aria-labelledby="holds-title" aria-busy={holds.loading || stale}>
      <h2 id="holds-title">Active holds{stale && <span className="muted small"> (updating after the command…)</span>}</h2>
      {holds.error && <ErrorMessage error={holds.error} context="The holds could not be loaded." />}
      {!list && holds.loading && <Loading what="Loading the holds…" />}
      {list && list.length === 0 && <Empty>No active holds.</Empty>}
      {list && list.length > 0 && (
        <Table
          caption="Active holds, earliest expiry first"
          className="holds"
          rows={list}
          rowKey={(h) => h.holdId}
          rowAttributes={(h) => ({ 'data-hold': h.holdId })}
          columns={[
            {
              label: 'Hold',
              cell: (h) => (
                <a href={findHref(h.holdId, 'hold')}>
                  <code className="id">{h.holdId}</code>
                </a>
              ),
            },
            { label: 'Held', num: true, cell: (h) => points(h.amount) },
            { label: 'Order', cell: (h) => (h.orderId ? <a href={findHref(h.orderId, 'order')}>{h.orderId}</a> : '—') },
            {
              label: 'Lapses',
              cell: (h) => (
                <span>
                  {utc(h.expiresAt)} <span className="muted small">({timeLeft(h.expiresAt, now)})</span>
                </span>
              ),
            },
            {
              label: 'Actions',
              actions: true,
              cell: (h) => (
                <HoldActions
                  hold={h}
                  busy={busy}
                  onCapture={(amount) => void send(commands.capture(h.holdId, amount === undefined ? {} : { amount }))}
                  onRelease={() => void send(commands.release(h.holdId))}
                />
              ),
            },
          ]}
        />
      )}
      <CommandOutcome state={state} done={describe} />
    </section>
  );
}

interface ActionsProps {
  hold: HoldAnswer;
  busy: boolean;
  onCapture: (amount: number | undefined) => void;
  onRelease: () => void;
}

/** Capture (all, or the points typed in) and Release of one hold. */
function HoldActions({ hold: h, busy, onCapture, onRelease }: ActionsProps) {
  const [amount, setAmount] = useState('');
  const [error, setError] = useState<string | undefined>();
  const inputId = `capture-${h.holdId}`;
  const errorId = `${inputId}-error`;

  const capture = (e: FormEvent) => {
    e.preventDefault();
    const a = amount.trim();
    const problem = checkAmount(a, { optional: true });
    setError(problem ?? undefined);
    if (!problem) onCapture(a === '' ? undefined : Number(a));
  };

  return (
    <form className="capture-form" onSubmit={capture} noValidate aria-label={`Capture or release hold ${h.holdId}`}>
      <label htmlFor={inputId} className="sr-only">
        Points to capture of hold {h.holdId} (empty: all {points(h.amount)})
      </label>
      <input
        id={inputId}
        type="text"
        inputMode="numeric"
        placeholder={`all ${points(h.amount)}`}
        value={amount}
        onChange={(e) => setAmount(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        autoComplete="off"
        spellCheck={false}
      />
      <button type="submit" className="button button-small" disabled={busy} aria-label={`Capture hold ${h.holdId}`}>
        Capture
      </button>
      <button type="button" className="button button-small" disabled={busy} onClick={onRelease} aria-label={`Release hold ${h.holdId}`}>
        Release
      </button>
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </form>
  );
}
