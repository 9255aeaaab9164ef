/**
 * The parameters of the liability and cohorts routes, checked before anything reaches
 * ClickHouse: the routes with the API's validation and error handler, and a stand-in for
 * the ClickHouse client that records the SQL it is given (no IO). The numbers themselves
 * are the int test's (projectors/clickhouse/liability.int.test.ts).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClickHouse } from '../../../common/src/clickhouse.ts';
import { registerErrorHandling } from '../http/errors.ts';
import { validatorCompiler } from '../http/validation.ts';
import { analyticsRoutes, MAX_COHORT_MONTHS } from './analytics.ts';
import { expectRefused, getJson } from './test-requests.ts';

const sent: string[] = [];
let answer: Record<string, unknown>[] = [];
let down = false;
const ch = {
  query: async (sql: string) => {
    sent.push(sql);
    if (down) throw new Error('ClickHouse is not reachable: ECONNREFUSED');
    return answer;
  },
} as unknown as ClickHouse;

let app: FastifyInstance;
beforeAll(async () => {
  app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  registerErrorHandling(app);
  await analyticsRoutes(app, { ch, clock: () => Date.UTC(2026, 11, 3) });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});
beforeEach(() => {
  sent.length = 0;
  answer = [];
  down = false;
});

const get = (url: string) => getJson(app, url);
const refused = (url: string, field: string) => expectRefused(app, url, field);

describe('GET /v1/analytics/liability', () => {
  it('refuses a missing, malformed or unreal day, and unknown parameters, before asking ClickHouse', async () => {
    await refused('/v1/analytics/liability', 'querystring.asOf');
    for (const bad of ['2024-6-01', '2024-06-31', '2023-02-29', '1969-12-31', '2106-01-01', '2024-06-01T00:00:00Z', "2024-06-01'--", '']) {
      await refused(`/v1/analytics/liability?asOf=${encodeURIComponent(bad)}`, 'querystring.asOf');
    }
    await refused('/v1/analytics/liability?asOf=2024-06-01&from=2024-01-01', 'querystring.from');
    expect(sent).toEqual([]);
  });

  it('answers a real day with its totals, the day quoted into the SQL', async () => {
    answer = [{ granted: '450', used: '200', useCanceled: '50', expired: '20', revoked: '40', balance: '190', held: '50', pending: '0' }];
    const { status, body } = await get('/v1/analytics/liability?asOf=2024-02-29');
    expect(status).toBe(200);
    expect(body).toEqual({
      asOf: '2024-02-29',
      outstanding: 240,
      pending: 0,
      held: 50,
      granted: 450,
      used: 200,
      useCanceled: 50,
      expired: 20,
      revoked: 40,
      breakageRate: 20 / 410,
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain("day <= toDate('2024-02-29')");
  });

  it('gives breakageRate 0 when nothing was granted, and 503 while ClickHouse is down', async () => {
    answer = [{ granted: '0', used: '0', useCanceled: '0', expired: '0', revoked: '0', balance: '0', held: '0', pending: '0' }];
    expect((await get('/v1/analytics/liability?asOf=1970-01-01')).body.breakageRate).toBe(0);
    down = true;
    const { status, body } = await get('/v1/analytics/liability?asOf=2024-06-01');
    expect(status).toBe(503);
    expect(body.error?.code).toBe('UNAVAILABLE');
  });
});

describe('GET /v1/analytics/cohorts', () => {
  it('refuses missing or malformed months, to before from, and more than the limit, before asking ClickHouse', async () => {
    await refused('/v1/analytics/cohorts?to=2024-06', 'querystring.from');
    await refused('/v1/analytics/cohorts?from=2024-06', 'querystring.to');
    for (const bad of ['2024-13', '2024-00', '2024-6', '2024-06-01', '1969-12', '2106-01', "2024-06'--", '']) {
      await refused(`/v1/analytics/cohorts?from=${encodeURIComponent(bad)}&to=2024-06`, 'querystring.from');
    }
    await refused('/v1/analytics/cohorts?from=2024-06&to=2024-05', 'querystring.to');
    await refused('/v1/analytics/cohorts?from=2024-01&to=2023-12', 'querystring.to');
    // from 2015-01 to 2024-12 is 120 months; one more is refused.
    expect(MAX_COHORT_MONTHS).toBe(120);
    await refused('/v1/analytics/cohorts?from=2015-01&to=2025-01', 'querystring.to');
    await refused('/v1/analytics/cohorts?from=2024-06&to=2024-06&limit=3', 'querystring.limit');
    expect(sent).toEqual([]);
  });

  it('answers a range of up to the limit, one month included, with the months quoted into the SQL', async () => {
    answer = [{ month: '2024-03-01', granted: '170', used: '120', useCanceled: '20', expired: '20', revoked: '0', outstanding: '50' }];
    const one = await get('/v1/analytics/cohorts?from=2024-03&to=2024-03');
    expect(one.status).toBe(200);
    expect(one.body).toEqual([{ month: '2024-03', granted: 170, used: 120, useCanceled: 20, expired: 20, revoked: 0, outstanding: 50 }]);
    expect(sent[0]).toContain("day >= toDate('2024-03-01') AND toStartOfMonth(day) <= toDate('2024-03-01')");
    expect((await get('/v1/analytics/cohorts?from=2015-01&to=2024-12')).status).toBe(200);
    expect((await get('/v1/analytics/cohorts?from=1970-01&to=1970-01')).status).toBe(200);
    expect((await get('/v1/analytics/cohorts?from=2105-01&to=2105-12')).status).toBe(200);
    expect(sent).toHaveLength(4);
  });
});
