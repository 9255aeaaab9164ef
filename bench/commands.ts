/**
 * Command throughput and latency, a grant/use/cancel mix, three ways in one run:
 *   http:   POST /v1/points/* against the running API (make up), keep-alive
 *   ledger: the same commands through the API's Ledger, no HTTP (same code and SQL), in a
 *           child process of its own: api/bench/ledger-phase.ts (nothing outside api/
 *           imports api/, ADR 0009); its load generator's CPU counts as this one's
 *   raw:    hand-written mysql2 with the statements a command runs, in the same two
 *           round trips (reads with the locks, then writes and COMMIT): the limit of
 *           the database and driver under this load, with no domain code and no HTTP
 * Usage: npx tsx bench/commands.ts [--seconds 15] [--concurrency 32] [--users 10000] [--phases http,ledger,raw]
 * Writes bench/results/commands-latest.json (and a dated copy).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { benchUsers, pick, type Pick, RecentUses, seedGrant, seedUsers } from '../common/src/bench-load.ts';
import { loadConfig, repoRoot } from '../common/src/config.ts';
import { idOnShard, shardOfId, shardOfUser } from '../common/src/shards.ts';
import { encodePointEvent, registerPointEventSchema } from '../schemas/event-codec.ts';
import { pointEvent, type PointEvent } from '../schemas/point-event.ts';
import { BenchClient } from './http-client.ts';
import { benchAuth, cpuBetween, type ProcessUsage, runLoad, stackUsage, writeResults, type LoadResult } from './lib.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '32' },
    users: { type: 'string', default: '10000' },
    phases: { type: 'string', default: 'http,ledger,raw' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const userCount = Number(values.users);
const cfg = loadConfig();
const apiUrl = `http://${cfg.api.host}:${cfg.api.port}`;
const auth = benchAuth(cfg);
const run = randomUUID().slice(0, 8);
const DAY = 86_400_000;
const phases = new Set(String(values.phases).split(','));
const skipped = (name: string) => ({ name, ops: 0, errors: 0, seconds: 0, perSecond: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 });

// The mix, its users and their seeding: common/src/bench-load.ts (the ledger phase's child uses the same).
const users = (phase: string) => benchUsers(run, phase, userCount);

/** A phase with the CPU milliseconds each service spent per command during it. */
async function measured(phase: () => Promise<LoadResult>): Promise<LoadResult & { cpuMsPerCommand: Record<string, number> }> {
  const before = stackUsage(cfg.stackDir);
  const r = await phase();
  return perCommand(r, cpuBetween(before, stackUsage(cfg.stackDir)));
}
/** The phase's result with the CPU ms each service spent per command (`cpu`: seconds per service), printed. */
function perCommand(r: LoadResult, cpu: Record<string, number>): LoadResult & { cpuMsPerCommand: Record<string, number> } {
  const cpuMsPerCommand = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Number(((v * 1000) / Math.max(1, r.ops)).toFixed(3))]));
  console.log(
    `  CPU ms per command: ${Object.entries(cpuMsPerCommand)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  return { ...r, cpuMsPerCommand };
}

console.log(`commands bench: ${seconds}s per phase, concurrency ${concurrency}, ${userCount} users, ${os.cpus().length} cores`);

// --- http
const client = new BenchClient(apiUrl, Math.max(concurrency, 64));
const httpUses = new RecentUses();
async function httpOp(worker: number, userId: string, c: Pick): Promise<boolean> {
  const headers = { ...auth, 'idempotency-key': randomUUID() };
  const conn = client.conn(worker);
  if (c.kind === 'cancel') {
    const useId = httpUses.take();
    if (useId) return (await conn.request('POST', `/v1/points/uses/${useId}/cancellations`, headers, JSON.stringify({ reason: 'bench' }))).status === 201;
    c = { kind: 'use', amount: 1 };
  }
  if (c.kind === 'use') {
    const res = await conn.request('POST', '/v1/points/uses', headers, JSON.stringify({ userId, amount: c.amount }));
    if (res.status === 201) httpUses.add((JSON.parse(res.body) as { useId: string }).useId);
    return res.status === 201;
  }
  return (
    (
      await conn.request(
        'POST',
        '/v1/points/grants',
        headers,
        JSON.stringify({ userId, amount: c.amount, validDays: c === seedGrant ? 365 : 100, reason: 'bench' }),
      )
    ).status === 201
  );
}

/**
 * One phase, when asked for: its users seeded `seedWidth` at a time, then the mix over
 * them for --seconds, with CPU per command. `op` answers false for an error.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: an op that does not report errors resolves nothing
async function runPhase(name: string, seedWidth: number, op: (worker: number, userId: string, c: Pick) => Promise<boolean | void>): Promise<LoadResult> {
  if (!phases.has(name)) return skipped(name);
  const list = users(name);
  await seedUsers(name, list, seedWidth, (w, u) => op(w, u, seedGrant));
  return measured(() => runLoad(name, concurrency, seconds, async (i, w) => (await op(w, list[i % userCount]!, pick(i))) !== false));
}

const httpResult = await runPhase('http', 64, httpOp);
client.close();

// --- ledger (same code and SQL as the API, no HTTP): the API's own script, a child process
// (api/bench/ledger-phase.ts). It seeds its users, says so, and starts the load when told:
// the stack's CPU is read at the load's start and end, as for the other phases, and the
// child's own CPU during the load is the load generator's.
async function ledgerPhase(): Promise<LoadResult> {
  if (!phases.has('ledger')) return skipped('ledger');
  const args = ['--seconds', String(seconds), '--concurrency', String(concurrency), '--users', String(userCount), '--run', run, '--go-on-stdin'];
  const child = spawn(path.join(repoRoot, 'node_modules/.bin/tsx'), ['api/bench/ledger-phase.ts', ...args], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  child.stdin!.on('error', () => undefined); // a child that died says so by its exit code
  let before: Record<string, ProcessUsage> | undefined;
  let result: (LoadResult & { cpuSeconds: number }) | undefined;
  let cpu: Record<string, number> = {};
  for await (const line of readline.createInterface({ input: child.stdout! })) {
    if (!line.startsWith('{')) {
      console.log(line); // its progress, as the other phases print theirs
      continue;
    }
    const message = JSON.parse(line) as { seeded?: number; result?: LoadResult & { cpuSeconds: number } };
    if (message.seeded !== undefined) {
      before = stackUsage(cfg.stackDir);
      child.stdin!.end('go\n');
    } else if (message.result && before) {
      cpu = cpuBetween(before, stackUsage(cfg.stackDir));
      result = message.result;
    }
  }
  const code = await exited;
  if (code !== 0 || !result) throw new Error(`api/bench/ledger-phase.ts exited with ${code}${result ? '' : ' without a result'}`);
  const { cpuSeconds, ...load } = result;
  cpu['load generator'] = (cpu['load generator'] ?? 0) + cpuSeconds;
  return perCommand(load, cpu);
}
const ledgerResult = await ledgerPhase();

// The outbox rows of the raw phase carry the current schema's id (what the API writes under).
const schemaId = await registerPointEventSchema(cfg.registry.url);

// --- raw mysql2: the statements of a use, grant or cancel, hand-written, in the same two
// round trips as the Ledger (CommandTx): reads with locks, then writes and COMMIT. On
// the user's shard, as the Ledger does (one pool per shard).
const pools = cfg.mysql.shards.map((shard) =>
  mysql.createPool({
    host: shard.host,
    port: shard.port,
    user: cfg.mysql.app.user,
    password: cfg.mysql.app.password,
    database: cfg.mysql.database,
    connectionLimit: concurrency + 2,
    timezone: 'Z',
    multipleStatements: true,
  }),
);
const rawUses = new RecentUses();
type Rows = mysql.RowDataPacket[];
async function rawTx(userId: string, c: Pick): Promise<void> {
  const cancelOf = c.kind === 'cancel' ? rawUses.take() : undefined;
  const shard = cancelOf ? (shardOfId(cancelOf, pools.length) ?? 0) : shardOfUser(userId, pools.length);
  const conn = await pools[shard]!.getConnection();
  const f = (sql: string, v: unknown[]) => conn.format(sql, v);
  try {
    const now = new Date();
    const id = idOnShard(shard);
    const kind = cancelOf ? 'cancel' : c.kind === 'grant' ? 'grant' : 'use';
    const amount = c.amount || 1;
    const reads = [
      'SET TRANSACTION ISOLATION LEVEL READ COMMITTED',
      'START TRANSACTION',
      f('INSERT INTO idempotency_keys (client, idem_key, request_hash, status, response, created_at) VALUES (?, ?, ?, 0, "", ?)', [
        'bench-raw',
        randomUUID(),
        'x',
        now,
      ]),
    ];
    let owner = userId;
    if (cancelOf) {
      const [r] = await conn.query<Rows[]>([...reads, f('SELECT user_id FROM point_uses WHERE use_id = ?', [cancelOf])].join(';'));
      owner = r[3]![0]!.user_id as string;
      reads.length = 0;
    }
    reads.push(f('SELECT balance, seq FROM point_wallets WHERE user_id = ? FOR UPDATE', [owner]));
    if (cancelOf) {
      reads.push(f('SELECT use_id, amount, canceled FROM point_uses WHERE use_id IN (?) AND user_id = ?', [[cancelOf], owner]));
      reads.push(f('SELECT use_id, grant_id, amount, restored FROM point_use_allocations WHERE use_id IN (?)', [[cancelOf]]));
    }
    reads.push(
      f(
        'SELECT grant_id, amount, remaining, expires_at, granted_at, grant_seq, revoked FROM point_lots WHERE user_id = ? AND (is_open = 1' +
          (cancelOf ? ' OR grant_id IN (SELECT grant_id FROM point_use_allocations WHERE use_id IN (?))' : '') +
          ') FOR UPDATE',
        cancelOf ? [owner, [cancelOf]] : [owner],
      ),
    );
    const [res] = await conn.query<Rows[]>(reads.join(';'));
    const lots = res[res.length - 1]!;
    const w = res[res.length - (cancelOf ? 4 : 2)]!;
    const balance = Number(w[0]?.balance ?? 0);
    const seq = Number(w[0]?.seq ?? 0) + 1;
    const writes: string[] = [];
    const event: PointEvent = pointEvent({
      eventId: randomUUID(),
      userId: owner,
      seq,
      type: 'POINTS_GRANTED',
      amount,
      balanceAfter: balance + amount,
      occurredAt: now.getTime(),
    });
    if (kind === 'use') {
      const lot = lots.sort((a, b) => a.expires_at - b.expires_at)[0]!;
      Object.assign(event, { type: 'POINTS_USED', balanceAfter: balance - amount, useId: id, allocations: [{ grantId: lot.grant_id, amount }] });
      writes.push(
        f('UPDATE point_lots SET remaining = ?, revoked = 0, is_open = ? WHERE grant_id = ?', [
          lot.remaining - amount,
          lot.remaining > amount ? 1 : 0,
          lot.grant_id,
        ]),
      );
      writes.push(f('INSERT INTO point_uses (use_id, user_id, amount, canceled, used_at) VALUES (?, ?, ?, 0, ?)', [id, owner, amount, now]));
      writes.push(f('INSERT INTO point_use_allocations (use_id, grant_id, amount, restored) VALUES ?', [[[id, lot.grant_id, amount, 0]]]));
    } else if (kind === 'cancel') {
      const use = res[res.length - 3]![0]!;
      const alloc = res[res.length - 2]![0]!;
      const lot = lots.find((l) => l.grant_id === alloc.grant_id)!;
      const back = Number(use.amount) - Number(use.canceled);
      Object.assign(event, {
        type: 'POINTS_USE_CANCELED',
        amount: back,
        balanceAfter: balance + back,
        useId: cancelOf,
        cancellationId: id,
        allocations: [{ grantId: lot.grant_id, amount: back }],
      });
      writes.push(f('UPDATE point_lots SET remaining = ?, revoked = 0, is_open = 1 WHERE grant_id = ?', [Number(lot.remaining) + back, lot.grant_id]));
      writes.push(f('UPDATE point_uses SET canceled = ? WHERE use_id = ?', [use.amount, cancelOf]));
      writes.push(f('UPDATE point_use_allocations SET restored = ? WHERE use_id = ? AND grant_id = ?', [alloc.amount, cancelOf, alloc.grant_id]));
    } else {
      Object.assign(event, { grantId: id, expiresAt: now.getTime() + 100 * DAY });
      writes.push(
        f('INSERT INTO point_lots (grant_id, user_id, amount, remaining, expires_at, granted_at, grant_seq, revoked, is_open, reason, source) VALUES ?', [
          [[id, owner, amount, amount, new Date(event.expiresAt!), now, seq, 0, 1, 'bench', null]],
        ]),
      );
    }
    writes.unshift(
      w.length === 0
        ? f('INSERT INTO point_wallets (user_id, balance, seq, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [owner, event.balanceAfter, seq, now, now])
        : f('UPDATE point_wallets SET balance = ?, seq = ?, updated_at = ? WHERE user_id = ?', [event.balanceAfter, seq, now, owner]),
    );
    writes.push(
      f(
        'INSERT INTO point_events (event_id, user_id, seq, type, amount, balance_after, occurred_at, grant_id, use_id, cancellation_id, expires_at, allocations, reason, source, order_id) VALUES ?',
        [
          [
            [
              event.eventId,
              owner,
              seq,
              event.type,
              event.amount,
              event.balanceAfter,
              now,
              event.grantId,
              event.useId,
              event.cancellationId,
              event.expiresAt ? new Date(event.expiresAt) : null,
              JSON.stringify(event.allocations),
              null,
              null,
              null,
            ],
          ],
        ],
      ),
      f('INSERT INTO point_event_outbox (id, aggregatetype, aggregateid, type, payload) VALUES ?', [
        [[event.eventId, cfg.kafka.pointsTopic, owner, event.type, encodePointEvent(schemaId, event)]],
      ]),
      f('DELETE FROM point_event_outbox WHERE id IN (?)', [[event.eventId]]),
      f('UPDATE idempotency_keys SET status = 201, response = ? WHERE client = ? AND idem_key = ?', ['{}', 'bench-raw', randomUUID()]),
      'COMMIT',
    );
    await conn.query(writes.join(';'));
    if (kind === 'use') rawUses.add(id);
  } catch (e) {
    await conn.query('ROLLBACK');
    throw e;
  } finally {
    conn.release();
  }
}
const rawResult = await runPhase('raw', concurrency, (_w, u, c) => rawTx(u, c));
await Promise.all(pools.map((p) => p.end()));

const summary = {
  at: new Date().toISOString(),
  machine: { cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
  settings: { seconds, concurrency, users: userCount, mix: '60% use, 30% grant, 10% cancel' },
  commands_per_s: httpResult.perSecond,
  command_p50_ms: httpResult.p50Ms,
  command_p99_ms: httpResult.p99Ms,
  ledger_no_http_per_s: ledgerResult.perSecond,
  raw_sql_tx_per_s: rawResult.perSecond,
  phases: [httpResult, ledgerResult, rawResult],
};
console.log(JSON.stringify(summary, null, 2));
console.log(`written: ${writeResults('commands', summary)}`);
