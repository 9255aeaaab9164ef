/** The console: the key first, then the page the hash names. */
import { useEffect, useRef } from 'react';
import { Header } from './components/Header.tsx';
import { KeyForm } from './components/KeyForm.tsx';
import { useApiKey } from './hooks/useApiKey.ts';
import { useHashRoute, type Route } from './hooks/useHashRoute.ts';
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
    default:
      return (
        <>
          <h1>Page not found</h1>
          <p>
            There is no page “{route.path}”. Go to <a href="#/customer">Customers</a>, <a href="#/find">Find</a>, <a href="#/analytics">Analytics</a> or{' '}
            <a href="#/pipeline">Pipeline</a>.
          </p>
        </>
      );
  }
}

const TITLES: Record<Route['page'], string> = { customer: 'Customers', find: 'Find', analytics: 'Analytics', pipeline: 'Pipeline', notFound: 'Not found' };

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
