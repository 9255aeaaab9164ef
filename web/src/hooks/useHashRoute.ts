/**
 * Hash routing (#/customer/alice, #/find/order-1, #/find/grant/<id>, #/analytics, #/pipeline,
 * #/search, #/users, #/batches, #/liability, #/dead-letters):
 * the static server needs no fallback.
 */
import { useSyncExternalStore } from 'react';
import type { LookupKind } from '../api/endpoints.ts';

export type Route =
  | { page: 'customer'; userId: string | null }
  /** `kind` null: the id was typed in, so it may be any of them. */
  | { page: 'find'; kind: LookupKind | null; id: string | null }
  | { page: 'analytics' }
  | { page: 'pipeline' }
  | { page: OperationsPage }
  | { page: 'notFound'; path: string };

/** The operations pages (API.md "Operations"): one path segment each, the page's name. */
export const OPERATIONS_PAGES = ['search', 'users', 'batches', 'liability', 'dead-letters'] as const;
export type OperationsPage = (typeof OPERATIONS_PAGES)[number];
const isOperationsPage = (p: string): p is OperationsPage => (OPERATIONS_PAGES as readonly string[]).includes(p);

const KINDS: readonly string[] = ['grant', 'use', 'hold', 'order'] satisfies LookupKind[];

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

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
  if (parts[0] === 'find' && parts.length <= 3) {
    if (parts.length === 1) return { page: 'find', kind: null, id: null };
    if (parts.length === 3 && !KINDS.includes(parts[1]!)) return { page: 'notFound', path };
    const id = decode(parts[parts.length - 1]!);
    if (id === null) return { page: 'notFound', path };
    return { page: 'find', kind: parts.length === 3 ? (parts[1] as LookupKind) : null, id };
  }
  if (parts[0] === 'analytics' && parts.length === 1) return { page: 'analytics' };
  if (parts[0] === 'pipeline' && parts.length === 1) return { page: 'pipeline' };
  if (parts.length === 1 && isOperationsPage(parts[0]!)) return { page: parts[0] };
  return { page: 'notFound', path };
}

export const customerHref = (userId: string) => `#/customer/${encodeURIComponent(userId)}`;

/** The lookup page for an id; with its kind when it is known (one request, not one per kind). */
export const findHref = (id: string, kind?: LookupKind) => `#/find/${kind ? `${kind}/` : ''}${encodeURIComponent(id)}`;

const subscribe = (cb: () => void) => {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
};

export function useHashRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
