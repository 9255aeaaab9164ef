/**
 * A labelled filter input with its hint and error wired up for screen readers. Like
 * TextField, without the "(optional)" mark: every filter is optional.
 */
import type { HTMLAttributes } from 'react';

interface Props {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint?: string | undefined;
  type?: 'text' | 'date' | 'datetime-local' | 'month';
  inputMode?: HTMLAttributes<HTMLInputElement>['inputMode'];
  required?: boolean;
}

export function FilterField(p: Props) {
  const hintId = p.hint ? `${p.id}-hint` : undefined;
  const errorId = p.error ? `${p.id}-error` : undefined;
  return (
    <div className={`field${p.error ? ' field-invalid' : ''}`}>
      <label htmlFor={p.id}>{p.label}</label>
      <input
        id={p.id}
        type={p.type ?? 'text'}
        inputMode={p.inputMode}
        value={p.value}
        onChange={(e) => p.onChange(e.target.value)}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined}
        aria-required={p.required || undefined}
        autoComplete="off"
        spellCheck={false}
      />
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
