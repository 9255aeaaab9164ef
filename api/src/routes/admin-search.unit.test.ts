/**
 * The parameters of the admin search routes, checked before anything reaches ClickHouse:
 * the routes with the API's validation and error handler and a real ClickHouse client of
 * an address where nothing listens, so a request that passes validation is 503 UNAVAILABLE
 * (no IO but a refused connection). The results themselves are the int tests'
 * (projectors/clickhouse/admin-search.int.test.ts) and the e2e test's.
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouse } from '../../../common/src/clickhouse.ts';
import { encodeEventsCursor, encodeUsersCursor } from '../../../projectors/clickhouse/admin-search.ts';
import { registerErrorHandling } from '../http/errors.ts';
import { validatorCompiler } from '../http/validation.ts';
import { adminSearchRoutes } from './admin-search.ts';
import { expectRefused, getJson } from './test-requests.ts';

// Port 9 (discard): nothing listens there on this machine, so every query is refused at once.
const nowhere = new ClickHouse('http://127.0.0.1:9', { user: 'nobody', password: 'none' }, 'nowhere', 2000);

let app: FastifyInstance;
beforeAll(async () => {
  app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  registerErrorHandling(app);
  await app.register(swagger, { openapi: { info: { title: 't', version: '1' } } });
  await adminSearchRoutes(app, { ch: nowhere, clock: () => Date.UTC(2026, 11, 3) });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await nowhere.close();
});

const get = (url: string) => getJson(app, url);
const refused = (url: string, field: string) => expectRefused(app, url, field);

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const EVENTS = '/v1/admin/events';
const USERS = '/v1/admin/users';

describe('GET /v1/admin/events', () => {
  it('refuses a bad limit', async () => {
    for (const bad of ['0', '501', '-1', '1.5', 'abc', '']) await refused(`${EVENTS}?limit=${bad}`, 'querystring.limit');
  });

  it('refuses bad times, and to before from', async () => {
    for (const bad of ['2024-13-01T00:00:00Z', '2024-02-30T00:00:00Z', '2024-06-01', 'yesterday', '2024-06-01T25:00:00Z', '1717200000000']) {
      await refused(`${EVENTS}?from=${encodeURIComponent(bad)}`, 'querystring.from');
      await refused(`${EVENTS}?to=${encodeURIComponent(bad)}`, 'querystring.to');
    }
    // A leap second fits the format but is no time Date can read.
    await refused(`${EVENTS}?from=${encodeURIComponent('2016-12-31T23:59:60Z')}`, 'querystring.from');
    await refused(`${EVENTS}?from=2024-06-02T00:00:00Z&to=2024-06-01T23:59:59.999Z`, 'querystring.to');
    // The same instant in two time zones is not "to before from".
    expect((await get(`${EVENTS}?from=2024-06-01T02:00:00%2B02:00&to=2024-06-01T00:00:00Z`)).status).toBe(503);
  });

  it('refuses a cursor it did not make', async () => {
    for (const bad of ['abc', b64('[1,2,3]'), b64('["e",1,0,"u"]'), b64('["e",-5,1,"u"]'), b64('{"e":1}'), encodeUsersCursor({ balance: 5, userId: 'u' })]) {
      await refused(`${EVENTS}?cursor=${bad}`, 'querystring.cursor');
    }
    await refused(`${EVENTS}?cursor=${encodeURIComponent('not base64!')}`, 'querystring.cursor');
    await refused(`${EVENTS}?cursor=${'A'.repeat(1001)}`, 'querystring.cursor');
  });

  it('refuses unknown parameters and values outside their schema', async () => {
    await refused(`${EVENTS}?bogus=1`, 'querystring.bogus');
    await refused(`${EVENTS}?beforeSeq=3`, 'querystring.beforeSeq');
    await refused(`${EVENTS}?type=POINTS_STOLEN`, 'querystring.type');
    await refused(`${EVENTS}?userId=${encodeURIComponent('bad user')}`, 'querystring.userId');
    await refused(`${EVENTS}?grantId=not-a-uuid`, 'querystring.grantId');
    await refused(`${EVENTS}?useId=1`, 'querystring.useId');
    await refused(`${EVENTS}?holdId=1`, 'querystring.holdId');
    await refused(`${EVENTS}?orderId=${encodeURIComponent("o'1")}`, 'querystring.orderId');
    await refused(`${EVENTS}?reasonContains=`, 'querystring.reasonContains');
    await refused(`${EVENTS}?reasonContains=${'x'.repeat(201)}`, 'querystring.reasonContains');
    await refused(`${EVENTS}?minAmount=-1`, 'querystring.minAmount');
    await refused(`${EVENTS}?maxAmount=1e30`, 'querystring.maxAmount');
    await refused(`${EVENTS}?minAmount=10&maxAmount=9`, 'querystring.maxAmount');
    await refused(`${EVENTS}?format=xml`, 'querystring.format');
  });

  it('refuses limit or cursor with format=csv (the CSV has every match)', async () => {
    await refused(`${EVENTS}?format=csv&limit=10`, 'querystring.limit');
    await refused(`${EVENTS}?format=csv&cursor=${encodeEventsCursor({ occurredAtMs: 1, seq: 1, userId: 'u' })}`, 'querystring.cursor');
  });

  it('takes every filter together and asks ClickHouse: 503 UNAVAILABLE while it cannot be reached, as JSON and as CSV', async () => {
    const all =
      'userId=u-1&type=POINTS_USED&orderId=o-1&grantId=0a000000-0000-4000-8000-000000000000&useId=0a000000-0000-4000-8000-000000000001' +
      '&holdId=0a000000-0000-4000-8000-000000000002&source=shop&reasonContains=%25_%27&from=2024-01-01T00:00:00Z&to=2024-01-01T00:00:00Z' +
      `&minAmount=5&maxAmount=5&limit=500&cursor=${encodeEventsCursor({ occurredAtMs: 1, seq: 1, userId: 'u-1' })}`;
    for (const url of [`${EVENTS}?${all}`, `${EVENTS}?${all.replace(/&limit.*/, '')}&format=csv`, `${EVENTS}?format=json`, EVENTS]) {
      const { status, body } = await get(url);
      expect(status, url).toBe(503);
      expect(body.error?.code, url).toBe('UNAVAILABLE');
    }
  });
});

describe('GET /v1/admin/users', () => {
  it('refuses bad limits, windows, bounds and cursors, and unknown parameters', async () => {
    for (const bad of ['0', '501', 'x']) await refused(`${USERS}?limit=${bad}`, 'querystring.limit');
    for (const bad of ['0', '3651', '1.5']) await refused(`${USERS}?expiringWithinDays=${bad}`, 'querystring.expiringWithinDays');
    await refused(`${USERS}?minBalance=-1`, 'querystring.minBalance');
    await refused(`${USERS}?minBalance=101&maxBalance=100`, 'querystring.maxBalance');
    await refused(`${USERS}?minExpiring=x`, 'querystring.minExpiring');
    await refused(`${USERS}?cursor=${encodeEventsCursor({ occurredAtMs: 1, seq: 1, userId: 'u' })}`, 'querystring.cursor');
    await refused(`${USERS}?cursor=${b64('["u",1.5,"u"]')}`, 'querystring.cursor');
    await refused(`${USERS}?userId=u`, 'querystring.userId');
    await refused(`${USERS}?format=csv&limit=5`, 'querystring.limit');
  });

  it('asks ClickHouse with valid parameters: 503 UNAVAILABLE while it cannot be reached', async () => {
    for (const url of [
      USERS,
      `${USERS}?minBalance=0&maxBalance=0&expiringWithinDays=3650&minExpiring=0&limit=1&cursor=${encodeUsersCursor({ balance: 0, userId: 'u' })}`,
      `${USERS}?format=csv&expiringWithinDays=1`,
    ]) {
      const { status, body } = await get(url);
      expect(status, url).toBe(503);
      expect(body.error?.code, url).toBe('UNAVAILABLE');
    }
  });
});

describe('the OpenAPI document', () => {
  it('describes both answers of each route: a JSON page and a text/csv download', () => {
    const doc = app.swagger() as { paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: unknown }> }> } }> };
    for (const [path, fields] of [
      [EVENTS, ['items', 'nextCursor']],
      [USERS, ['items', 'nextCursor']],
    ] as const) {
      const ok = doc.paths[path]!.get.responses['200']!;
      expect(Object.keys(ok.content).sort(), path).toEqual(['application/json', 'text/csv']);
      expect(Object.keys((ok.content['application/json']!.schema as { properties: object }).properties), path).toEqual(fields);
      expect(ok.content['text/csv']!.schema, path).toMatchObject({ type: 'string' });
      expect(Object.keys(doc.paths[path]!.get.responses).sort(), path).toEqual(['200', '400', '401', '403', '429', '500', '503']);
    }
  });
});
