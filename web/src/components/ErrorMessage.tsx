/** An API error in words, with the API's own message; 401/403 offer to enter another key. */
import { clearApiKey } from '../api/key.ts';
import { describeCode, type ApiError } from '../api/errors.ts';

export function ErrorMessage({ error, context }: { error: ApiError; context?: string }) {
  const problems = error.fieldProblems;
  return (
    <div className="notice notice-error" role="alert" data-code={error.code}>
      {context && <p className="notice-title">{context}</p>}
      <p>{describeCode(error.code)}</p>
      {problems.length > 0 ? (
        <ul className="problems">
          {problems.map((p) => (
            <li key={`${p.field}:${p.message}`}>
              <code>{p.field}</code> {p.message}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">
          API: {error.message} <code>{error.code}</code>
        </p>
      )}
      {problems.length > 0 && (
        <p className="muted small">
          <code>{error.code}</code>
        </p>
      )}
      {error.isAuth && (
        <button type="button" className="button" onClick={clearApiKey}>
          Enter another key
        </button>
      )}
    </div>
  );
}
