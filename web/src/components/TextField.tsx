/** A labelled input with its hint and error wired up for screen readers. */
import type { HTMLAttributes, Ref } from 'react';

interface Props {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint?: string;
  type?: 'text' | 'password' | 'date' | 'datetime-local' | 'search';
  inputMode?: HTMLAttributes<HTMLInputElement>['inputMode'];
  required?: boolean;
  autoComplete?: string;
  placeholder?: string;
  disabled?: boolean;
  inputRef?: Ref<HTMLInputElement>;
  /** Spans the whole row of a form grid (long ids). */
  wide?: boolean;
}

export function TextField(p: Props) {
  const hintId = p.hint ? `${p.id}-hint` : undefined;
  const errorId = p.error ? `${p.id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${p.error ? ' field-invalid' : ''}${p.wide ? ' field-wide' : ''}`}>
      <label htmlFor={p.id}>
        {p.label}
        {!p.required && <span className="optional"> (optional)</span>}
      </label>
      <input
        id={p.id}
        ref={p.inputRef}
        type={p.type ?? 'text'}
        inputMode={p.inputMode}
        value={p.value}
        onChange={(e) => p.onChange(e.target.value)}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={describedBy}
        aria-required={p.required || undefined}
        autoComplete={p.autoComplete ?? 'off'}
        spellCheck={false}
        placeholder={p.placeholder}
        disabled={p.disabled}
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
