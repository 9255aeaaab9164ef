/** Hash routing (#/customer/alice, #/analytics, #/pipeline): the static server needs no fallback. */
import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'customer'; userId: string | null }
  | { page: 'analytics' }
  | { page: 'pipeline' }
  | { page: 'notFound'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) return { page: 'customer', userId: null };
  if (parts[0] === 'customer' && parts.length <= 2) {
    let userId: string | null = null;
    try {
      userId = parts[1] ? decodeURIComponent(parts[1]) : null;
    } catch {
      return { page: 'notFound', path };
    }
    return { page: 'customer', userId };
  }
  if (parts[0] === 'analytics' && parts.length === 1) return { page: 'analytics' };
  if (parts[0] === 'pipeline' && parts.length === 1) return { page: 'pipeline' };
  return { page: 'notFound', path };
}

export const customerHref = (userId: string) => `#/customer/${encodeURIComponent(userId)}`;

const subscribe = (cb: () => void) => {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
};

export function useHashRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
