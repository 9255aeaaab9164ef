/** A labelled input with its hint and error wired up for screen readers. */
import type { HTMLAttributes, Ref } from 'react';
import { Field } from './Field.tsx';

export interface TextFieldProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint?: string | undefined;
  type?: 'text' | 'password' | 'date' | 'datetime-local' | 'month' | 'search';
  inputMode?: HTMLAttributes<HTMLInputElement>['inputMode'];
  required?: boolean;
  /** Marks the label "(optional)" when not required (the default); false where every field is optional (filters). */
  markOptional?: boolean;
  autoComplete?: string;
  placeholder?: string;
  disabled?: boolean;
  inputRef?: Ref<HTMLInputElement>;
  /** Spans the whole row of a form grid (long ids). */
  wide?: boolean;
}

export function TextField(p: TextFieldProps) {
  const label = (
    <>
      {p.label}
      {!p.required && p.markOptional !== false && <span className="optional"> (optional)</span>}
    </>
  );
  return (
    <Field id={p.id} label={label} error={p.error} hint={p.hint} wide={p.wide}>
      {(describedBy) => (
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
      )}
    </Field>
  );
}
