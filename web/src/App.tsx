/** The console: the key first, then the page the hash names. */
import { useEffect, useRef } from 'react';
import { Header } from './components/Header.tsx';
import { KeyForm } from './components/KeyForm.tsx';
import { useApiKey } from './hooks/useApiKey.ts';
import { useHashRoute, type Route } from './hooks/useHashRoute.ts';
import { BatchesPage } from './operations/batches/BatchesPage.tsx';
import { DeadLettersPage } from './operations/dead-letters/DeadLettersPage.tsx';
import { LiabilityPage } from './operations/liability/LiabilityPage.tsx';
import { SearchPage } from './operations/search/SearchPage.tsx';
import { UsersPage } from './operations/users/UsersPage.tsx';
import { AnalyticsPage } from './pages/AnalyticsPage.tsx';
import { CustomerPage } from './pages/CustomerPage.tsx';
import { FindPage } from './pages/FindPage.tsx';
import { PipelinePage } from './pages/PipelinePage.tsx';

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'customer':
      return <CustomerPage userId={route.userId} />;
    case 'find':
      return <FindPage kind={route.kind} id={route.id} />;
    case 'analytics':
      return <AnalyticsPage />;
    case 'pipeline':
      return <PipelinePage />;
    case 'search':
      return <SearchPage />;
    case 'users':
      return <UsersPage />;
    case 'batches':
      return <BatchesPage />;
    case 'liability':
      return <LiabilityPage />;
    case 'dead-letters':
      return <DeadLettersPage />;
    default:
      return (
        <>
          <h1>Page not found</h1>
          <p>
            There is no page “{route.path}”. Go to <a href="#/customer">Customers</a>, <a href="#/find">Find</a>, <a href="#/analytics">Analytics</a>,{' '}
            <a href="#/pipeline">Pipeline</a> or <a href="#/search">Search</a>.
          </p>
        </>
      );
  }
}

const TITLES: Record<Route['page'], string> = {
  customer: 'Customers',
  find: 'Find',
  analytics: 'Analytics',
  pipeline: 'Pipeline',
  search: 'Search events',
  users: 'Users',
  batches: 'Grant batches',
  liability: 'Liability',
  'dead-letters': 'Dead letters',
  notFound: 'Not found',
};

export function App() {
  const apiKey = useApiKey();
  const route = useHashRoute();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    document.title = `${apiKey ? TITLES[route.page] : 'Enter the key'} · Point ledger admin`;
    // After a navigation, move focus to the page (not on the first load).
    if (first.current) {
      first.current = false;
      return;
    }
    if (route.page !== 'customer') main.current?.focus();
  }, [route.page, apiKey]);

  return (
    <>
      {/* biome-ignore lint/a11y/useValidAnchor: a skip link to #main; the handler only moves the focus without changing the hash route */}
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <Header route={route} apiKey={apiKey} />
      <main id="main" ref={main} tabIndex={-1}>
        {apiKey ? <Page route={route} /> : <KeyForm />}
      </main>
    </>
  );
}
