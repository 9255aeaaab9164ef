/** MySQL stopped under the API: commands and /health answer 503 UNAVAILABLE, then recover. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/app.ts';
import { testUser } from '../../testing/users.ts';
import { stack } from '../../testing/stack-control.ts';
import { setTimeout as sleep } from 'node:timers/promises';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await stack('start', 'mariadb'); // whatever happened, leave MariaDB running
  await api.close();
});

describe('MySQL down', () => {
  it('answers 503 UNAVAILABLE without a stack trace, and works again once MySQL is back', async () => {
    const userId = testUser('down');
    const grant = (key: string) =>
      api.app.inject({
        method: 'POST',
        url: '/v1/points/grants',
        headers: { authorization: api.auth.write, 'idempotency-key': key },
        payload: { userId, amount: 100, validDays: 10, reason: 'outage test' },
      });

    await stack('stop', 'mariadb');
    const refused = await grant(`${userId}-outage`);
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toEqual({ error: { code: 'UNAVAILABLE', message: 'the database is not available; try again' } });
    const health = await api.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(503);
    // With shards, a check per shard besides the summary.
    expect(health.json()).toMatchObject({ status: 'unavailable', checks: { mysql: 'down' } });

    await stack('start', 'mariadb');
    let after = await grant(`${userId}-outage`);
    for (let i = 0; i < 20 && after.statusCode === 503; i++) {
      await sleep(500);
      after = await grant(`${userId}-outage`);
    }
    // The refused attempt wrote nothing, so the same key now performs the grant once.
    expect(after.statusCode, after.body).toBe(201);
    expect(after.json()).toMatchObject({ userId, seq: 1, balance: 100 });
    expect((await api.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});
