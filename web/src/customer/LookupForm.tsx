/** Look a user up by id: goes to #/customer/<id>. */
import { useState, type FormEvent } from 'react';
import { TextField } from '../components/TextField.tsx';
import { customerHref } from '../hooks/useHashRoute.ts';
import { checkUserId } from '../validation.ts';

export function LookupForm({ current }: { current: string | null }) {
  const [userId, setUserId] = useState(current ?? '');
  const [error, setError] = useState<string | undefined>();
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const id = userId.trim();
    const problem = checkUserId(id);
    setError(problem ?? undefined);
    if (!problem) window.location.hash = customerHref(id);
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: <search> is not yet in every browser the console supports; the role says the same
    <form className="panel form-inline lookup" onSubmit={onSubmit} noValidate role="search" aria-label="Look a user up">
      <TextField
        id="lookup-user"
        label="User id"
        type="search"
        value={userId}
        onChange={setUserId}
        error={error}
        required
        hint="1–64 characters: letters, digits, _ . : -"
      />
      <button type="submit" className="button button-primary">
        Look up
      </button>
    </form>
  );
}
