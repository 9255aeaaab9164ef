/**
 * Component tests only: a fake `fetch` that answers by route, records every call
 * (method, path, headers, body), and can fail like a network or a dependency.
 */
import { vi } from 'vitest';

export interface Call {
  method: string;
  path: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
}

export type Answer = Response | Promise<Response>;
export type Handler = (call: Call) => Answer;

export const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export const apiError = (status: number, code: string, message = `${code} happened`, details?: unknown) =>
  json(status, { error: { code, message, ...(details === undefined ? {} : { details }) } });

/** fetch rejects: the way a browser reports an unreachable server. */
export const networkDown = (): Promise<Response> => Promise.reject(new TypeError('Failed to fetch'));

/** A promise of a Response that the test settles when it wants. */
export function deferred() {
  let resolve!: (r: Response) => void;
  const promise = new Promise<Response>((r) => { resolve = r; });
  return { promise, resolve };
}

export function mockFetch(handler: Handler) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://console.test');
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => { headers[k] = v; });
    const call: Call = {
      method: init?.method ?? 'GET',
      path: url.pathname,
      url,
      headers,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    if (init?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
    return handler(call);
  });
  vi.stubGlobal('fetch', fn);
  return { calls, fn, posts: () => calls.filter((c) => c.method === 'POST') };
}

/** The answers of a user that has no events. */
export function emptyUser(call: Call, userId = 'alice'): Answer | undefined {
  if (call.path === `/v1/users/${userId}/balance`) {
    return json(200, { userId, balance: 0, seq: 0, updatedAt: null, expiringSoon: { amount: 0, withinDays: 30 } });
  }
  if (call.path === `/v1/users/${userId}/history`) return json(200, { items: [], nextBeforeSeq: null });
  if (call.path === `/v1/users/${userId}/grants`) return json(200, []);
  return undefined;
}
