/** The liability at the end of a UTC day (GET /v1/analytics/liability) as facts, with the identity it keeps. */
import { type FormEvent, useState } from 'react';
import { getLiability } from '../../api/endpoints.ts';
import { today } from '../../analytics/days.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Facts } from '../../components/Facts.tsx';
import { Loading } from '../../components/Status.tsx';
import { points } from '../../format.ts';
import { useAsync } from '../../hooks/useAsync.ts';
import { checkDay } from '../../validation.ts';
import { FilterField } from '../FilterField.tsx';
import { identity, percent } from './liability.ts';

export function LiabilityFacts() {
  const [asOf, setAsOf] = useState(() => today());
  const [text, setText] = useState(asOf);
  const [error, setError] = useState<string | undefined>();
  const liability = useAsync((signal) => getLiability(asOf, signal), [asOf]);
  const l = liability.data;
  const id = l ? identity(l) : undefined;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const problem = checkDay(text, 'as-of');
    setError(problem ?? undefined);
    if (!problem) setAsOf(text);
  };

  return (
    <section className="panel" aria-labelledby="liability-title" aria-busy={liability.loading}>
      <h2 id="liability-title">Liability at the end of a day</h2>
      <form className="form-inline" onSubmit={onSubmit} noValidate aria-label="Liability day">
        <FilterField
          id="liability-asof"
          label="As of (UTC day)"
          type="date"
          value={text}
          onChange={setText}
          error={error}
          required
          hint="Every event up to 24:00 UTC."
        />
        <button type="submit" className="button button-primary">
          Show
        </button>
      </form>
      {liability.error && <ErrorMessage error={liability.error} context="The liability could not be loaded." />}
      {liability.loading && !l && <Loading what="Loading the liability…" />}
      {l && id && (
        <div className={liability.loading ? 'stale' : undefined} data-testid="liability">
          <p className="muted small">At the end of {l.asOf} (UTC)</p>
          <Facts
            items={[
              ['Outstanding', points(l.outstanding), 'liability-outstanding'],
              ['Pending', points(l.pending), 'liability-pending'],
              ['Held (part of outstanding)', points(l.held), 'liability-held'],
              ['Granted', points(l.granted), 'liability-granted'],
              ['Used', points(l.used), 'liability-used'],
              ['Use cancelled', points(l.useCanceled), 'liability-useCanceled'],
              ['Expired', points(l.expired), 'liability-expired'],
              ['Revoked', points(l.revoked), 'liability-revoked'],
              ['Breakage rate', percent(l.breakageRate), 'liability-breakage'],
            ]}
          />
          <p className={`notice ${id.holds ? 'notice-ok' : 'notice-error'} small`} data-testid="liability-identity">
            {id.text}
            {id.holds ? ' ✓' : ` — does not hold: ${points(id.left)} ≠ ${points(id.right)}`}
          </p>
          <p className="muted small">
            Breakage rate = expired ÷ (granted − revoked). Outstanding is what customers can spend or hold reserved (balances + held).
          </p>
        </div>
      )}
    </section>
  );
}
