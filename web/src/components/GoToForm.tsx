/** A search form of one id: checked, then the page for it opened (`#/…/<id>`). */
import { useState, type FormEvent } from 'react';
import { TextField } from './TextField.tsx';

interface Props {
  /** The id the page shows now, if any. */
  current: string | null;
  /** The form's accessible name. */
  name: string;
  inputId: string;
  label: string;
  hint: string;
  button: string;
  check: (id: string) => string | null;
  href: (id: string) => string;
}

export function GoToForm({ current, name, inputId, label, hint, button, check, href }: Props) {
  const [id, setId] = useState(current ?? '');
  const [error, setError] = useState<string | undefined>();
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const v = id.trim();
    const problem = check(v);
    setError(problem ?? undefined);
    if (!problem) window.location.hash = href(v);
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: <search> is not yet in every browser the console supports; the role says the same
    <form className="panel form-inline lookup" onSubmit={onSubmit} noValidate role="search" aria-label={name}>
      <TextField id={inputId} label={label} type="search" value={id} onChange={setId} error={error} required hint={hint} />
      <button type="submit" className="button button-primary">
        {button}
      </button>
    </form>
  );
}
