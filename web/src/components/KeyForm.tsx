/** Where the operator types the admin key; it goes to sessionStorage only. */
import { useState, type FormEvent } from 'react';
import { setApiKey } from '../api/key.ts';
import { TextField } from './TextField.tsx';

export function KeyForm() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>();
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const k = key.trim();
    if (k === '') return setError('Enter the admin API key.');
    if (/\s/.test(k)) return setError('An API key holds no spaces.');
    setApiKey(k);
  };
  return (
    <section className="panel key-panel" aria-labelledby="key-title">
      <h1 id="key-title">Enter the admin key</h1>
      <p>The console calls the ledger API with an admin key. It is kept in this tab only (sessionStorage) and forgotten when the tab closes.</p>
      <p className="muted small">
        On the machine running the stack, <code>make -s keys</code> prints it as <code>ADMIN_KEY=…</code>.
      </p>
      <form onSubmit={onSubmit} noValidate className="form-inline">
        <TextField id="api-key" label="Admin API key" type="password" value={key} onChange={setKey} error={error} required autoComplete="off" />
        <button type="submit" className="button button-primary">
          Use this key
        </button>
      </form>
    </section>
  );
}
