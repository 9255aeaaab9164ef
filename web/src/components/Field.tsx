/**
 * A form field's frame: the label, the control, its hint and error, wired up for screen
 * readers. The control (an input, a select) is the caller's: `children` gets the
 * aria-describedby that names the hint and the error shown.
 */
import type { ReactNode } from 'react';

interface Props {
  id: string;
  /** What the label says (the "(optional)" mark included where there is one). */
  label: ReactNode;
  error?: string | undefined;
  hint?: string | undefined;
  /** Spans the whole row of a form grid (long ids). */
  wide?: boolean | undefined;
  children: (describedBy: string | undefined) => ReactNode;
}

export function Field(p: Props) {
  const hintId = p.hint ? `${p.id}-hint` : undefined;
  const errorId = p.error ? `${p.id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${p.error ? ' field-invalid' : ''}${p.wide ? ' field-wide' : ''}`}>
      <label htmlFor={p.id}>{p.label}</label>
      {p.children(describedBy)}
      {p.hint && (
        <p id={hintId} className="hint">
          {p.hint}
        </p>
      )}
      {p.error && (
        <p id={errorId} className="field-error">
          {p.error}
        </p>
      )}
    </div>
  );
}
