/** A labelled select with its hint and error wired up for screen readers (TextField's twin, in the same frame: components/Field.tsx). */
import { Field } from '../components/Field.tsx';

interface Props {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: [value: string, label: string][];
  error?: string | undefined;
  hint?: string;
}

export function SelectField(p: Props) {
  return (
    <Field id={p.id} label={p.label} error={p.error} hint={p.hint}>
      {(describedBy) => (
        <select id={p.id} value={p.value} onChange={(e) => p.onChange(e.target.value)} aria-invalid={p.error ? true : undefined} aria-describedby={describedBy}>
          {p.options.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
