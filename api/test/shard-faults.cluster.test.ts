/**
 * Faults of one write-model shard in the cluster topology (ADR 0011): one MariaDB shard
 * stopped, then one shard's outbox connector stopped. The other shard's users keep
 * working throughout; the stopped shard's users get 503 UNAVAILABLE, and everything
 * resumes once it is back. Nothing refused is written, nothing accepted is lost.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectClient, isRunning } from '../../common/src/connect-client.ts';
import { startTestApi, type TestApi } from './support/app.ts';
import { testUser } from '../../testing/users.ts';
import { stack } from '../../testing/stack-control.ts';
import { setTimeout as sleep } from 'node:timers/promises';

let t: TestApi;
let connect: ConnectClient;
beforeAll(async () => {
  t = await startTestApi();
  connect = new ConnectClient(t.config.connect.url);
});
afterAll(async () => {
  // Whatever happened, leave both shards and every connector running.
  await stack('start', 'mariadb');
  for (const s of t.config.cdc.sources) await connect.resume(s.connector).catch(() => undefined);
  await t?.close();
});

type Json = Record<string, unknown>;

const post = (url: string, body: object, key: string = randomUUID()) =>
  t.app.inject({ method: 'POST', url, headers: { authorization: t.auth.write, 'idempotency-key': key }, payload: body });
const grant = (userId: string, key: string = randomUUID()) => post('/v1/points/grants', { userId, amount: 100, validDays: 30, reason: 'shard fault' }, key);
const balance = async (userId: string) => {
  const r = await t.app.inject({ method: 'GET', url: `/v1/users/${userId}/balance`, headers: { authorization: t.auth.read } });
  return r.statusCode === 200 ? Number((r.json() as Json).balance) : 0;
};
async function until(what: string, ok: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await sleep(250);
  }
}

const userOn = (shard: number) => {
  let u = testUser('shard-fault');
  while (t.shards.ofUser(u) !== shard) u = testUser('shard-fault');
  return u;
};
/** An Idempotency-Key whose claim lives on `shard`. */
const keyOn = (shard: number, client: string) => {
  let k = randomUUID();
  while (t.shards.ofKey(client, k) !== shard) k = randomUUID();
  return k;
};

describe('one shard down', () => {
  it('runs on two shards', () => {
    expect(t.config.topology).toBe('cluster');
    expect(t.shards.count).toBe(2);
  });

  it("MariaDB shard 2 stopped: its users get 503, shard 1's users keep working (even with keys claimed on shard 2); all resume", async () => {
    const writer = t.config.api.keys.find((k) => `Bearer ${k.secret}` === t.auth.write)!.name;
    const a = userOn(0);
    const b = userOn(1);
    await stack('stop', 'mariadb-2');
    try {
      // A's key is claimed on the stopped shard: the claim is skipped (logged, counted), the grant runs.
      const aGrant = await grant(a, keyOn(1, writer));
      expect(aGrant.statusCode, aGrant.body).toBe(201);
      expect(aGrant.json()).toMatchObject({ userId: a, seq: 1, balance: 100 });
      const bKey = keyOn(0, writer);
      const bRefused = await grant(b, bKey);
      expect(bRefused.statusCode, bRefused.body).toBe(503);
      expect((bRefused.json() as { error: { code: string } }).error.code).toBe('UNAVAILABLE');
      const health = await t.app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toEqual({ status: 'degraded', checks: { mysql: 'degraded', 'mysql-1': 'up', 'mysql-2': 'down' } });
      // The refused attempt left no claim on the shard that was up.
      expect(await t.shards.db(0)('idempotency_claims').where({ idem_key: bKey })).toEqual([]);

      await stack('start', 'mariadb-2');
      let bAfter = await grant(b, bKey);
      for (let i = 0; i < 40 && bAfter.statusCode === 503; i++) {
        await sleep(500);
        bAfter = await grant(b, bKey);
      }
      expect(bAfter.statusCode, bAfter.body).toBe(201);
      expect(bAfter.json()).toMatchObject({ userId: b, seq: 1, balance: 100 });
      expect((await t.app.inject({ method: 'GET', url: '/health' })).json()).toMatchObject({ status: 'ok' });
      // Both reach the read model.
      await until('both balances in Redis', async () => (await balance(a)) === 100 && (await balance(b)) === 100);
    } finally {
      await stack('start', 'mariadb-2');
    }
  });

  it("shard 2's connector stopped: shard 1's events keep flowing, shard 2's wait and arrive once it runs again", async () => {
    const second = t.config.cdc.sources[1]!.connector;
    const a = userOn(0);
    const b = userOn(1);
    await connect.stop(second);
    try {
      await until(`${second} stopped`, async () => (await connect.status(second))?.connector.state === 'STOPPED', 30_000);
      expect((await grant(a)).statusCode).toBe(201);
      expect((await grant(b)).statusCode).toBe(201);
      await until("shard 1's event in Redis", async () => (await balance(a)) === 100);
      await sleep(3000);
      expect(await balance(b)).toBe(0); // written on shard 2, not streamed yet
    } finally {
      await connect.resume(second);
    }
    await until(`${second} running`, async () => isRunning(await connect.status(second)), 60_000);
    await until("shard 2's event in Redis after the resume", async () => (await balance(b)) === 100);
  });
});
