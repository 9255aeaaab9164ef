/** Fields more than one command form has. */
import { TextField } from '../components/TextField.tsx';

interface FieldProps {
  id: string;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}

/** The points a command is for: whole points, required. */
export const AmountField = ({ label = 'Amount', hint, ...p }: FieldProps & { label?: string; hint: string }) => (
  <TextField {...p} label={label} inputMode="numeric" required hint={hint} />
);

/** A command's reason, up to 200 characters; `required` where the API asks for one. */
export const ReasonField = ({ required = false, ...p }: FieldProps & { required?: boolean }) => (
  <TextField {...p} label="Reason" required={required} hint={required ? '1 to 200 characters.' : 'Up to 200 characters.'} />
);

interface ChoiceProps<V extends string> {
  legend: string;
  /** The radio group's name. */
  name: string;
  options: [value: V, label: string][];
  value: V;
  onChange: (value: V) => void;
}

/** One of a few ways to fill the form in (validity in days or until a date; all or part). */
export function Choice<V extends string>({ legend, name, options, value, onChange }: ChoiceProps<V>) {
  return (
    <fieldset className="field validity">
      <legend>{legend}</legend>
      {options.map(([v, label]) => (
        <label key={v} className="radio">
          <input type="radio" name={name} checked={value === v} onChange={() => onChange(v)} /> {label}
        </label>
      ))}
    </fieldset>
  );
}
