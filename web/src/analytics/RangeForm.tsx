/** The date range of the analytics page (from and to, inclusive, UTC days). */
import { useState, type FormEvent } from 'react';
import { TextField } from '../components/TextField.tsx';
import { checkDay, checkRange } from '../validation.ts';

export interface Range {
  from: string;
  to: string;
}

export function RangeForm({ range, onChange }: { range: Range; onChange: (r: Range) => void }) {
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const [errors, setErrors] = useState<{ from?: string; to?: string }>({});
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const f = checkDay(from, 'start');
    const t = checkDay(to, 'end');
    const r = !f && !t ? checkRange(from, to) : null;
    setErrors({ from: f ?? undefined, to: t ?? r ?? undefined });
    if (!f && !t && !r) onChange({ from, to });
  };
  return (
    <form className="panel form-inline" onSubmit={onSubmit} noValidate aria-label="Date range">
      <TextField id="range-from" label="From (UTC day)" type="date" value={from} onChange={setFrom} error={errors.from} required />
      <TextField id="range-to" label="To (UTC day)" type="date" value={to} onChange={setTo} error={errors.to} required />
      <button type="submit" className="button button-primary">
        Show range
      </button>
    </form>
  );
}
