/**
 * The one place that calls fetch: same-origin /v1 paths, the key from sessionStorage
 * as a Bearer token, JSON in and out, and every failure as an ApiError.
 */
import { ApiError, isErrorCode } from './errors.ts';
import { getApiKey } from './key.ts';

export interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  /** A body sent as it is, not as JSON (a CSV upload), with its content type. */
  raw?: { contentType: string; data: string | Blob };
  idempotencyKey?: string;
  signal?: AbortSignal;
}

const STATUS_CODES: Record<number, ApiError['code']> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'PROJECTION_BEHIND',
};

async function errorOf(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const err = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (err && typeof err.code === 'string') {
    const code = isErrorCode(err.code) ? err.code : 'UNEXPECTED_REPLY';
    return new ApiError(code, typeof err.message === 'string' ? err.message : err.code, res.status, err.details);
  }
  return new ApiError(STATUS_CODES[res.status] ?? 'UNEXPECTED_REPLY', `HTTP ${res.status} ${res.statusText}`.trim(), res.status);
}

/** Sends the request with the key; any answer that is not 2xx is thrown as an ApiError. */
async function send(path: string, options: RequestOptions, accept: string): Promise<Response> {
  const key = getApiKey();
  if (!key) throw new ApiError('UNAUTHORIZED', 'no API key entered', 401);
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.raw) headers['content-type'] = options.raw.contentType;
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  let res: Response;
  try {
    res = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.raw ? options.raw.data : options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      cache: 'no-store',
    });
  } catch (e) {
    if (options.signal?.aborted) throw e;
    throw new ApiError('NETWORK', e instanceof Error ? e.message : 'the request failed', 0);
  }
  if (!res.ok) throw await errorOf(res);
  return res;
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const res = await send(path, options, 'application/json');
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiError('UNEXPECTED_REPLY', 'the answer is not JSON', res.status);
  }
}

/** A file the API answers with (a CSV export), fetched with the key like any other request. */
export async function apiDownload(path: string, accept: string, signal?: AbortSignal): Promise<Blob> {
  const res = await send(path, { signal }, accept);
  return res.blob();
}

/** `?a=1&b=2` from the defined values. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
