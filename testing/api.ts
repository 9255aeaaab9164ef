/**
 * Test support: the running stack's API (make up), driven over HTTP at API_HOST:API_PORT
 * (in cluster: HAProxy in front of the instances), with the write model's shards beside
 * it to look at the rows. `app.inject()` has the shape of Fastify's, sent with fetch, so
 * a test reads as one against the app in-process. Keys are the configured ones.
 *
 * Tests outside api/ use this one: nothing outside api/ imports api/ (ADR 0009). The API's
 * own tests build the app in-process (api/test/support/app.ts), which also takes a clock
 * and rate limits of the test's own; the running API has neither.
 */
import type { Knex } from 'knex';
import { authHeaders, loadConfig, type StackConfig } from '../common/src/config.ts';
import { createShards, type Shards } from '../common/src/mysql.ts';
import { registerPointEventSchema } from '../schemas/event-codec.ts';

export { testUser } from './users.ts';

/** What a test sends: Fastify's inject options, as far as they are used here. */
export interface InjectRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  /** The path and query, e.g. `/v1/users/alice/balance?minSeq=3`. */
  url: string;
  headers?: Record<string, string>;
  /** An object or array is sent as JSON (content-type application/json); a string or Buffer as it is. */
  payload?: unknown;
}

/** What it gets back: Fastify's inject response, as far as it is used here. */
export interface InjectResponse {
  statusCode: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON (throws when it is not). */
  // biome-ignore lint/suspicious/noExplicitAny: as Fastify's inject response: the test says what it expects
  json: <T = any>() => T;
}

export interface StackApi {
  /** The running API; `inject` sends the request over HTTP. */
  app: { inject: (request: InjectRequest) => Promise<InjectResponse> };
  /** The running API's address, e.g. http://127.0.0.1:18080. */
  url: string;
  /** The write model's shards (one in single). */
  shards: Shards;
  /**
   * The pool of the shard that holds a user's rows, or an id's (grant, use, event,
   * cancellation ids carry their shard): api.dbOf(userId)('point_wallets')…
   */
  dbOf: (userIdOrId: string) => Knex;
  /** The rows `query` finds on every shard, one list. */
  onEveryShard: <T>(query: (db: Knex) => Promise<T[]>) => Promise<T[]>;
  config: StackConfig;
  /** The id of the current point event schema in the registry (what the running API writes under). */
  schemaId: number;
  /** Authorization headers of a key with these scopes. */
  auth: { admin: string; write: string; read: string };
  close: () => Promise<void>;
}

/** Sends a request in inject's shape to `base` with fetch; answers in inject's shape. */
export async function injectOverHttp(base: string, request: InjectRequest): Promise<InjectResponse> {
  const headers: Record<string, string> = { ...request.headers };
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (request.payload !== undefined) {
    const p = request.payload;
    const raw = typeof p === 'string' || Buffer.isBuffer(p);
    body = typeof p === 'string' ? p : Buffer.isBuffer(p) ? new Uint8Array(p) : JSON.stringify(p);
    const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
    if (!raw && !hasType) headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${base}${request.url}`, { method: request.method, headers, body }).catch((e: Error) => {
    throw new Error(`${request.method} ${base}${request.url}: ${(e.cause as Error | undefined)?.message ?? e.message}`, { cause: e });
  });
  const text = await res.text();
  const answerHeaders: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    answerHeaders[name] = value;
  });
  return { statusCode: res.status, headers: answerHeaders, body: text, json: () => JSON.parse(text) };
}

/** The running API of the stack; `close` ends the test's own pools (the API runs on). */
export async function connectStackApi(): Promise<StackApi> {
  const config = loadConfig();
  const url = `http://${config.api.host}:${config.api.port}`;
  // Any answer will do (a degraded /health is 503): the API is there.
  await fetch(`${url}/health`)
    .then((r) => r.arrayBuffer())
    .catch((e: Error) => {
      throw new Error(`the stack's API does not answer at ${url} (make up): ${(e.cause as Error | undefined)?.message ?? e.message}`, { cause: e });
    });
  const shards = createShards(config, 5);
  // Idempotent: the id the running API registered at its start.
  const schemaId = await registerPointEventSchema(config.registry.url);
  return {
    app: { inject: (request) => injectOverHttp(url, request) },
    url,
    shards,
    dbOf: (key) => shards.dbOfUserOrId(key),
    onEveryShard: async (query) => (await Promise.all(shards.dbs.map(query))).flat(),
    config,
    schemaId,
    auth: authHeaders(config.api.keys),
    close: async () => {
      await shards.destroy();
    },
  };
}
