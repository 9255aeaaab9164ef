/**
 * Component tests only: a fake `fetch` that answers by route, records every call
 * (method, path, headers, body), and can fail like a network or a dependency.
 */
import { vi } from 'vitest';
import type { GrantAnswer, HoldAnswer, OrderAnswer, UseAnswer } from '../api/types.ts';

export interface Call {
  method: string;
  path: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
}

export type Answer = Response | Promise<Response>;
export type Handler = (call: Call) => Answer;

export const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export const apiError = (status: number, code: string, message = `${code} happened`, details?: unknown) =>
  json(status, { error: { code, message, ...(details === undefined ? {} : { details }) } });

/** fetch rejects: the way a browser reports an unreachable server. */
export const networkDown = (): Promise<Response> => Promise.reject(new TypeError('Failed to fetch'));

/** A promise of a Response that the test settles when it wants. */
export function deferred() {
  let resolve!: (r: Response) => void;
  const promise = new Promise<Response>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export function mockFetch(handler: Handler) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://console.test');
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => {
      headers[k] = v;
    });
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
  if (call.path === `/v1/users/${userId}/holds`) return json(200, []);
  return undefined;
}

// The lookups (API.md "Lookups"), answered from records as the read models would.

export const GRANT_ID = '0b6f3c9e-1d2a-4c5b-8e7f-9a0b1c2d3e4f';
export const USE_ID = '1c7a4d0f-2e3b-4d6c-9f80-ab1c2d3e4f50';
export const HOLD_ID = '2d8b5e1a-3f4c-4e7d-a091-bc2d3e4f5061';

export const grantRecord = (over: Partial<GrantAnswer> = {}): GrantAnswer => ({
  grantId: GRANT_ID,
  userId: 'alice',
  state: 'ACTIVE',
  amount: 100,
  remaining: 100,
  expiresAt: '2027-11-21T00:00:00.000Z',
  reason: 'welcome',
  ...over,
});

export const pointsUseRecord = (over: Partial<UseAnswer> = {}): UseAnswer => ({
  useId: USE_ID,
  userId: 'alice',
  amount: 30,
  canceled: 0,
  allocations: [{ grantId: GRANT_ID, amount: 30 }],
  cancellations: [],
  ...over,
});

export const holdRecord = (over: Partial<HoldAnswer> = {}): HoldAnswer => ({
  holdId: HOLD_ID,
  userId: 'alice',
  state: 'ACTIVE',
  amount: 40,
  captured: 0,
  expiresAt: '2026-11-21T10:15:00.000Z',
  ...over,
});

export interface Records {
  grants?: GrantAnswer[];
  uses?: UseAnswer[];
  holds?: HoldAnswer[];
}

const notFound = (what: string, id: string) => apiError(404, 'NOT_FOUND', `no ${what} ${id}`);

/**
 * GET /v1/grants/{id}, /v1/uses/{id}, /v1/holds/{id}, /v1/orders/{id} and
 * /v1/users/{userId}/holds (the ACTIVE ones, earliest expiry first) from the records; an
 * unknown id is 404 NOT_FOUND, an order nothing carries too. Other calls: undefined.
 */
export function lookups(records: Records): (call: Call) => Answer | undefined {
  const { grants = [], uses = [], holds = [] } = records;
  return (call) => {
    if (call.method !== 'GET') return undefined;
    const m = /^\/v1\/(grants|uses|holds|orders)\/([^/]+)$/.exec(call.path);
    if (m) {
      const id = decodeURIComponent(m[2]!);
      const found =
        m[1] === 'grants'
          ? grants.find((g) => g.grantId === id)
          : m[1] === 'uses'
            ? uses.find((x) => x.useId === id)
            : m[1] === 'holds'
              ? holds.find((h) => h.holdId === id)
              : undefined;
      if (m[1] !== 'orders') return found ? json(200, found) : notFound(m[1]!.slice(0, -1), id);
      const order: OrderAnswer = {
        orderId: id,
        grants: grants.filter((g) => g.orderId === id),
        uses: uses.filter((u) => u.orderId === id),
        holds: holds.filter((h) => h.orderId === id),
      };
      return order.grants.length + order.uses.length + order.holds.length > 0 ? json(200, order) : notFound('order', id);
    }
    const u = /^\/v1\/users\/([^/]+)\/holds$/.exec(call.path);
    if (u) {
      const userId = decodeURIComponent(u[1]!);
      const active = holds.filter((h) => h.userId === userId && h.state === 'ACTIVE').sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
      return json(200, active);
    }
    return undefined;
  };
}
