/**
 * The OpenAPI document (/docs/json) against what the routes answer, for what
 * Schemathesis found (make test-schemathesis runs it against the whole document).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/app.ts';
import { testUser } from '../../testing/users.ts';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

type Json = Record<string, any>;
const doc = async (): Promise<Json> => (await t.app.inject({ method: 'GET', url: '/docs/json' })).json() as Json;

describe('the OpenAPI document', () => {
  it('lists for every operation with a key the statuses any such route can answer, each in the error envelope', async () => {
    const d = await doc();
    for (const [path, ops] of Object.entries(d.paths as Record<string, Record<string, Json>>)) {
      for (const [method, op] of Object.entries(ops)) {
        if (path === '/health' || path.startsWith('/v1/pipeline/')) continue;
        const label = `${method.toUpperCase()} ${path}`;
        for (const status of ['401', '403', '429', '500']) {
          const schema = op.responses[status]?.content?.['application/json']?.schema;
          expect(schema?.properties?.error?.properties?.code?.enum, `${label} ${status}`).toHaveLength(1);
        }
      }
    }
  });

  it('gives each 409 the codes that route can refuse with, and 404 only where the path names a grant or use', async () => {
    const d = await doc();
    const codes = (path: string, status: string) =>
      d.paths[path].post.responses[status]?.content['application/json'].schema.properties.error.properties.code.enum;
    expect(codes('/v1/points/uses', '409')).toEqual(['INSUFFICIENT_POINTS', 'IDEMPOTENCY_KEY_REUSED']);
    expect(codes('/v1/points/uses/{useId}/cancellations', '409')).toEqual(['CANCEL_EXCEEDS_USE', 'IDEMPOTENCY_KEY_REUSED']);
    expect(codes('/v1/points/grants/{grantId}/revocations', '404')).toEqual(['NOT_FOUND']);
    expect(codes('/v1/points/grants', '404')).toBeUndefined();
  });

  it('marks the bodies of a cancellation and of the maintenance run optional, and the others required', async () => {
    const d = await doc();
    expect(d.paths['/v1/points/uses/{useId}/cancellations'].post.requestBody.required).toBe(false);
    expect(d.paths['/v1/points/expirations'].post.requestBody.required).toBe(false);
    expect(d.paths['/v1/points/grants'].post.requestBody.required).toBe(true);
    expect(JSON.stringify(d)).not.toContain('x-optional-body');
  });

  it('links a grant to its revocation and a use to its cancellation', async () => {
    const d = await doc();
    expect(d.paths['/v1/points/grants'].post.responses['201'].links.revokeGrant).toEqual({
      operationId: 'revokeGrant',
      parameters: { grantId: '$response.body#/grantId' },
    });
    expect(d.paths['/v1/points/uses'].post.responses['201'].links.cancelUse).toEqual({
      operationId: 'cancelUse',
      parameters: { useId: '$response.body#/useId' },
    });
  });
});

describe('what the document now says, the routes do', () => {
  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { authorization: t.auth.read } });

  it('refuses a seq that is not a finite integer (the query coercion read "Infinity" as a number)', async () => {
    const user = testUser('openapi');
    for (const url of [
      `/v1/users/${user}/balance?minSeq=Infinity&waitMs=0`,
      `/v1/users/${user}/history?beforeSeq=Infinity`,
      `/v1/users/${user}/history?beforeSeq=1e400`,
      `/v1/users/${user}/balance?minSeq=9007199254740992&waitMs=0`,
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect((res.json() as Json).error.code).toBe('VALIDATION_FAILED');
    }
    expect((await get(`/v1/users/${user}/balance?minSeq=9007199254740991&waitMs=0`)).statusCode).toBe(504);
  });

  it('refuses a JSON null as the body of a command whose body may be left out; no body is still {}', async () => {
    const post = (url: string, auth: string, payload?: string) =>
      t.app.inject({
        method: 'POST',
        url,
        payload,
        headers: { authorization: auth, 'idempotency-key': randomUUID(), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      });
    const nulls = [
      await post('/v1/points/expirations', t.auth.admin, 'null'),
      await post(`/v1/points/uses/${randomUUID()}/cancellations`, t.auth.write, 'null'),
    ];
    for (const res of nulls) {
      expect(res.statusCode, res.body).toBe(400);
      expect((res.json() as Json).error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'body' }] });
    }
    expect((await post('/v1/points/expirations', t.auth.admin)).statusCode).toBe(200);
    expect((await post(`/v1/points/uses/${randomUUID()}/cancellations`, t.auth.write)).statusCode).toBe(404);
  });

  it('refuses an analytics day outside what the pattern documents with the field named', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/analytics/daily?from=0000-00-00&to=2024-01-01', headers: { authorization: t.auth.admin } });
    expect(res.statusCode).toBe(400);
    expect((res.json() as Json).error.details).toEqual([expect.objectContaining({ field: 'querystring.from' })]);
  });
});
