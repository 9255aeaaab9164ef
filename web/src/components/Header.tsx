/** The top bar: the console's name, the pages as links, and the key in use. */
import { clearApiKey } from '../api/key.ts';
import type { Route } from '../hooks/useHashRoute.ts';

const LINKS = [
  { href: '#/customer', label: 'Customers', page: 'customer' },
  { href: '#/find', label: 'Find', page: 'find' },
  { href: '#/analytics', label: 'Analytics', page: 'analytics' },
  { href: '#/pipeline', label: 'Pipeline', page: 'pipeline' },
  { href: '#/search', label: 'Search', page: 'search' },
  { href: '#/users', label: 'Users', page: 'users' },
  { href: '#/batches', label: 'Batches', page: 'batches' },
  { href: '#/liability', label: 'Liability', page: 'liability' },
  { href: '#/dead-letters', label: 'Dead letters', page: 'dead-letters' },
] as const;

export function Header({ route, apiKey }: { route: Route; apiKey: string | null }) {
  return (
    <header className="topbar">
      <a className="brand" href="#/customer">
        Point ledger <span>admin</span>
      </a>
      {apiKey && (
        <nav aria-label="Pages" className="nav">
          {LINKS.map((l) => (
            <a key={l.page} href={l.href} aria-current={route.page === l.page ? 'page' : undefined}>
              {l.label}
            </a>
          ))}
        </nav>
      )}
      {apiKey && (
        <div className="key-info">
          <span className="muted small" title="The key is kept in sessionStorage">
            Key …{apiKey.slice(-4)}
          </span>
          <button type="button" className="button button-small" onClick={clearApiKey}>
            Forget key
          </button>
        </div>
      )}
    </header>
  );
}
