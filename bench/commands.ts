/**
 * Command throughput and latency, a grant/use mix, three ways in one run:
 *   http:   POST /v1/points/* against the running API (make up), keep-alive
 *   ledger: the same commands through the Ledger in this process (same SQL, no HTTP)
 *   raw:    one hand-written mysql2 transaction per command with the same statements
 * Usage: npx tsx bench/commands.ts [--seconds 15] [--concurrency 32] [--users 1000] [--phases http,ledger,raw]
 * Writes bench/results/commands-latest.json (and a dated copy).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { loadConfig } from '../common/src/config.ts';
import { createDb } from '../api/src/ledger/db.ts';
import { encodePointEvent, registerPointEventSchema } from '../api/src/ledger/event-codec.ts';
import { Ledger } from '../api/src/ledger/ledger.ts';
import type { PointEvent } from '../api/src/points/types.ts';
import { BenchClient } from './http-client.ts';
import { runLoad, writeResults } from './lib.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' }, concurrency: { type: 'string', default: '32' },
    users: { type: 'string', default: '1000' }, phases: { type: 'string', default: 'http,ledger,raw' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const userCount = Number(values.users);
const cfg = loadConfig();
const apiUrl = `http://${cfg.api.host}:${cfg.api.port}`;
const key = cfg.api.keys.find((k) => k.scopes.includes('points:write'))!;
const run = randomUUID().slice(0, 8);
const DAY = 86_400_000;
const phases = new Set(String(values.phases).split(','));
const skipped = (name: string) => ({ name, ops: 0, errors: 0, seconds: 0, perSecond: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 });

const users = (phase: string) => Array.from({ length: userCount }, (_, i) => `bench-${run}-${phase}-${i}`);
/** 70% uses of 1..50 points, 30% grants of 100..1000: users are seeded with 1,000,000 first. */
const pick = (i: number) => (i % 10 < 7 ? { kind: 'use' as const, amount: 1 + (i % 50) } : { kind: 'grant' as const, amount: 100 + (i % 900) });

const client = new BenchClient(apiUrl, Math.max(concurrency, 64));
async function http(worker: number, pathname: string, body: object): Promise<boolean> {
  const res = await client.conn(worker).request('POST', pathname, { authorization: `Bearer ${key.secret}`, 'idempotency-key': randomUUID() }, JSON.stringify(body));
  return res.status === 201;
}

console.log(`commands bench: ${seconds}s per phase, concurrency ${concurrency}, ${userCount} users, ${os.cpus().length} cores`);

// --- http
const httpUsers = users('http');
let httpResult = skipped('http');
if (phases.has('http')) {
console.log('seeding http users...');
for (let i = 0; i < httpUsers.length; i += 64) {
  await Promise.all(httpUsers.slice(i, i + 64).map((u, w) => http(w, '/v1/points/grants', { userId: u, amount: 1_000_000, validDays: 365, reason: 'bench seed' })));
}
httpResult = await runLoad('http', concurrency, seconds, (i, w) => {
  const c = pick(i);
  const userId = httpUsers[i % userCount]!;
  return c.kind === 'use'
    ? http(w, '/v1/points/uses', { userId, amount: c.amount })
    : http(w, '/v1/points/grants', { userId, amount: c.amount, validDays: 100, reason: 'bench' });
});
}

// --- ledger (same code and SQL as the API, no HTTP)
const db = createDb(cfg, concurrency + 2);
const schemaId = await registerPointEventSchema(cfg.registry.url);
const ledger = new Ledger({ db, schemaId, clock: Date.now, newId: randomUUID });
const ledgerUsers = users('ledger');
const ledgerOp = (userId: string, c: ReturnType<typeof pick>) => {
  const id = randomUUID();
  return ledger.execute({
    idempotency: { client: 'bench', key: randomUUID(), requestHash: 'x' },
    target: { userId },
    build: () => (c.kind === 'use'
      ? { kind: 'use', userId, useId: id, amount: c.amount, orderId: null, reason: null }
      : { kind: 'grant', userId, grantId: id, amount: c.amount, expiresAt: Date.now() + 100 * DAY, reason: 'bench', source: null }),
    respond: (events) => events.length,
  });
};
let ledgerResult = skipped('ledger');
if (phases.has('ledger')) {
  console.log('seeding ledger users...');
  for (let i = 0; i < ledgerUsers.length; i += concurrency) {
    await Promise.all(ledgerUsers.slice(i, i + concurrency).map((u) => ledgerOp(u, { kind: 'grant', amount: 1_000_000 })));
  }
  ledgerResult = await runLoad('ledger', concurrency, seconds, async (i) => {
    await ledgerOp(ledgerUsers[i % userCount]!, pick(i));
    return true;
  });
}
await db.destroy();
client.close();

// --- raw mysql2: the statements a use or grant runs, hand-written, one transaction each
const pool = mysql.createPool({
  host: cfg.mysql.host, port: cfg.mysql.port, user: cfg.mysql.app.user, password: cfg.mysql.app.password,
  database: cfg.mysql.database, connectionLimit: concurrency + 2, timezone: 'Z',
});
const rawUsers = users('raw');
async function rawTx(userId: string, c: ReturnType<typeof pick>): Promise<void> {
  const conn = await pool.getConnection();
  try {
    await conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await conn.beginTransaction();
    const now = new Date();
    await conn.query('INSERT INTO idempotency_keys (client, idem_key, request_hash, status, response, created_at) VALUES (?, ?, ?, 0, "", ?)', ['bench-raw', randomUUID(), 'x', now]);
    const [w] = await conn.query<mysql.RowDataPacket[]>('SELECT balance, seq FROM point_wallets WHERE user_id = ? FOR UPDATE', [userId]);
    const [lots] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT grant_id, remaining, expires_at FROM point_lots WHERE user_id = ? AND is_open = 1 FOR UPDATE', [userId]);
    const balance = Number(w[0]?.balance ?? 0);
    const seq = Number(w[0]?.seq ?? 0) + 1;
    const id = randomUUID();
    const event: PointEvent = {
      eventId: randomUUID(), userId, seq, type: c.kind === 'use' ? 'POINTS_USED' : 'POINTS_GRANTED', amount: c.amount,
      balanceAfter: c.kind === 'use' ? balance - c.amount : balance + c.amount, occurredAt: now.getTime(),
      grantId: c.kind === 'grant' ? id : null, useId: c.kind === 'use' ? id : null, cancellationId: null,
      expiresAt: c.kind === 'grant' ? now.getTime() + 100 * DAY : null, allocations: [], reason: null, source: null, orderId: null,
    };
    if (c.kind === 'use') {
      const lot = lots.sort((a, b) => a.expires_at - b.expires_at)[0]!;
      await conn.query('UPDATE point_lots SET remaining = remaining - ?, is_open = (remaining > 0) WHERE grant_id = ?', [c.amount, lot.grant_id]);
      await conn.query('INSERT INTO point_uses (use_id, user_id, amount, canceled, used_at) VALUES (?, ?, ?, 0, ?)', [id, userId, c.amount, now]);
      await conn.query('INSERT INTO point_use_allocations (use_id, grant_id, amount, restored) VALUES (?, ?, ?, 0)', [id, lot.grant_id, c.amount]);
      event.allocations = [{ grantId: lot.grant_id, amount: c.amount }];
    } else {
      await conn.query(
        'INSERT INTO point_lots (grant_id, user_id, amount, remaining, expires_at, granted_at, grant_seq, revoked, is_open, reason) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 1, ?)',
        [id, userId, c.amount, c.amount, new Date(event.expiresAt!), now, seq, 'bench']);
    }
    await conn.query(
      'INSERT INTO point_events (event_id, user_id, seq, type, amount, balance_after, occurred_at, grant_id, use_id, expires_at, allocations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [event.eventId, userId, seq, event.type, c.amount, event.balanceAfter, now, event.grantId, event.useId,
        event.expiresAt ? new Date(event.expiresAt) : null, JSON.stringify(event.allocations)]);
    await conn.query('INSERT INTO point_event_outbox (id, aggregatetype, aggregateid, type, payload) VALUES (?, "points", ?, ?, ?)',
      [event.eventId, userId, event.type, encodePointEvent(schemaId, event)]);
    await conn.query('DELETE FROM point_event_outbox WHERE id = ?', [event.eventId]);
    if (w.length === 0) {
      await conn.query('INSERT INTO point_wallets (user_id, balance, seq, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [userId, event.balanceAfter, seq, now, now]);
    } else {
      await conn.query('UPDATE point_wallets SET balance = ?, seq = ?, updated_at = ? WHERE user_id = ?', [event.balanceAfter, seq, now, userId]);
    }
    await conn.query('UPDATE idempotency_keys SET status = 201, response = "{}" WHERE client = "bench-raw" AND idem_key = ?', [randomUUID()]);
    await conn.commit();
  } catch (e) {
    await conn.rollback();
    throw e;
  } finally {
    conn.release();
  }
}
let rawResult = skipped('raw');
if (phases.has('raw')) {
  console.log('seeding raw users...');
  for (let i = 0; i < rawUsers.length; i += concurrency) {
    await Promise.all(rawUsers.slice(i, i + concurrency).map((u) => rawTx(u, { kind: 'grant', amount: 1_000_000 })));
  }
  rawResult = await runLoad('raw', concurrency, seconds, async (i) => {
    await rawTx(rawUsers[i % userCount]!, pick(i));
    return true;
  });
}
await pool.end();

const summary = {
  at: new Date().toISOString(),
  machine: { cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
  settings: { seconds, concurrency, users: userCount, mix: '70% use, 30% grant' },
  commands_per_s: httpResult.perSecond,
  command_p50_ms: httpResult.p50Ms,
  command_p99_ms: httpResult.p99Ms,
  ledger_no_http_per_s: ledgerResult.perSecond,
  raw_sql_tx_per_s: rawResult.perSecond,
  phases: [httpResult, ledgerResult, rawResult],
};
console.log(JSON.stringify(summary, null, 2));
console.log(`written: ${writeResults('commands', summary)}`);
