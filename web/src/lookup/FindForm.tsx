/** The one input of the lookup page: an order id, or a grant, use or hold id. Goes to #/find/<id>. */
import { useState, type FormEvent } from 'react';
import { TextField } from '../components/TextField.tsx';
import { findHref } from '../hooks/useHashRoute.ts';
import { checkLookupId } from '../validation.ts';

export function FindForm({ current }: { current: string | null }) {
  const [id, setId] = useState(current ?? '');
  const [error, setError] = useState<string | undefined>();
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const v = id.trim();
    const problem = checkLookupId(v);
    setError(problem ?? undefined);
    if (!problem) window.location.hash = findHref(v);
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: <search> is not yet in every browser the console supports; the role says the same
    <form className="panel form-inline lookup" onSubmit={onSubmit} noValidate role="search" aria-label="Find an order, grant, use or hold">
      <TextField
        id="find-id"
        label="Order, grant, use or hold id"
        type="search"
        value={id}
        onChange={setId}
        error={error}
        required
        hint="An order id (up to 100 characters: letters, digits, _ . : -), or the UUID of a grant, a use or a hold."
      />
      <button type="submit" className="button button-primary">
        Find
      </button>
    </form>
  );
}
