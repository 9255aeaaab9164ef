/** A labelled select with its hint and error wired up for screen readers (TextField's twin). */
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
  const hintId = p.hint ? `${p.id}-hint` : undefined;
  const errorId = p.error ? `${p.id}-error` : undefined;
  return (
    <div className={`field${p.error ? ' field-invalid' : ''}`}>
      <label htmlFor={p.id}>{p.label}</label>
      <select
        id={p.id}
        value={p.value}
        onChange={(e) => p.onChange(e.target.value)}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined}
      >
        {p.options.map(([v, label]) => (
          <option key={v} value={v}>
            {label}
          </option>
        ))}
      </select>
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
