/**
 * Freshness at a steady rate: commands scheduled at a fixed rate (one every 1/rate s,
 * however slow the answers), each a grant to a user of its own, through the API over a
 * fixed set of keep-alive connections (--connections): a command whose turn has come
 * waits for a free connection, and its latency counts from its scheduled time, so that
 * an API that falls behind shows as latency, not as a lower offered rate. Afterwards,
 * for each command the Redis model holds, per user, the event's occurredAt (set before
 * the commit) and projectedAt (set by the projector as it applies the batch):
 * projectedAt - occurredAt is the time from commit to visible, slightly overstated
 * (occurredAt precedes the commit by the commit itself).
 * A 2% sample also measures it from outside: the answer, then a balance query with
 * minSeq (read your own write), as a client would.
 * CPU time of every service during the run, per command, shows where the cost is.
 * Usage: npx tsx bench/freshness.ts [--rate 1000] [--seconds 20] [--connections 64]
 * Writes bench/results/freshness-latest.json (and a dated copy).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '../common/src/config.ts';
import { createRedis } from '../common/src/redis.ts';
import { userKeys } from '../projectors/redis/keys.ts';
import { BenchConnection } from './http-client.ts';
import { benchAuth, cpuBetween, percentile, stackUsage, writeResults } from './lib.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const { values } = parseArgs({
  options: { rate: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '20' }, connections: { type: 'string', default: '64' } },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const config = loadConfig();
const headers = benchAuth(config);
const run = randomUUID().slice(0, 8);
const total = rate * seconds;
const userOf = (i: number) => `fresh-${run}-${i}`;

/** The keep-alive connections; a command waits for a free one. */
const opened = Number(values.connections);
const idle: BenchConnection[] = Array.from({ length: opened }, () => new BenchConnection(config.api.host, config.api.port));
const waiters: ((c: BenchConnection) => void)[] = [];
const take = (): Promise<BenchConnection> => {
  const c = idle.pop();
  return c ? Promise.resolve(c) : new Promise((resolve) => waiters.push(resolve));
};
const give = (c: BenchConnection) => {
  const w = waiters.shift();
  if (w) w(c);
  else idle.push(c);
};

const commandMs: number[] = [];
const readYourWriteMs: number[] = [];
let refused = 0;
let behind = 0;
async function one(i: number, scheduled: number): Promise<void> {
  const conn = await take();
  try {
    const t0 = scheduled;
    const res = await conn.request(
      'POST',
      '/v1/points/grants',
      { ...headers, 'idempotency-key': randomUUID() },
      JSON.stringify({ userId: userOf(i), amount: 10, validDays: 30, reason: 'freshness bench' }),
    );
    const t1 = performance.now();
    commandMs.push(t1 - t0);
    if (res.status !== 201) {
      refused++;
      return;
    }
    if (i % 50 === 0) {
      const b = await conn.request('GET', `/v1/users/${userOf(i)}/balance?minSeq=1&waitMs=10000`, headers);
      if (b.status === 200) readYourWriteMs.push(performance.now() - t1);
      else behind++;
    }
  } catch {
    refused++;
  } finally {
    give(conn);
  }
}

console.log(`freshness: ${rate} commands/s for ${seconds} s over ${opened} connections (${total} commands, one user each)`);
const before = stackUsage(config.stackDir);
const inflight: Promise<void>[] = [];
const start = performance.now();
let sent = 0;
let lastPrint = start;
while (sent < total) {
  const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
  while (sent < due) {
    inflight.push(one(sent, start + (sent * 1000) / rate));
    sent++;
  }
  if (performance.now() - lastPrint >= 1000) {
    lastPrint = performance.now();
    process.stdout.write(`  ${sent} due, ${commandMs.length} answered, ${waiters.length} waiting for a connection\n`);
  }
  await sleep(2);
}
const sendSeconds = (performance.now() - start) / 1000;
await Promise.all(inflight);
const answeredSeconds = (performance.now() - start) / 1000;

// Wait until Redis holds every accepted command, then read occurredAt and projectedAt.
const redis = createRedis(config);
const freshness: number[] = [];
const deadline = Date.now() + 60_000;
let missing = total;
while (missing > 0 && Date.now() < deadline) {
  freshness.length = 0;
  missing = 0;
  for (let i = 0; i < total; i += 1000) {
    // One HMGET per user (one slot each), a thousand at once: no pipeline across slots.
    const reads: Promise<(string | null)[]>[] = [];
    for (let j = i; j < Math.min(total, i + 1000); j++) reads.push(redis.hmget(userKeys(userOf(j)).wallet, 'updatedAt', 'projectedAt'));
    for (const r of await Promise.all(reads)) {
      const [occurred, projected] = r as [string | null, string | null];
      if (occurred && projected) freshness.push(Number(projected) - Number(occurred));
      else missing++;
    }
  }
  if (missing > refused) {
    process.stdout.write(`  waiting for ${missing - refused} events to reach Redis\n`);
    await sleep(1000);
  } else break;
}
const cpu = cpuBetween(before, stackUsage(config.stackDir));
redis.disconnect();
for (const c of idle) c.close();

freshness.sort((a, b) => a - b);
commandMs.sort((a, b) => a - b);
readYourWriteMs.sort((a, b) => a - b);
const accepted = total - refused;
const ms = (v: number) => Number(v.toFixed(1));
const summary = {
  at: new Date().toISOString(),
  settings: { rate, seconds },
  offered_per_s: Math.round(total / sendSeconds),
  /** The rate the commands were committed at: all answered over the whole run. */
  freshness_rate_per_s: Math.round(total / answeredSeconds),
  accepted,
  refused_or_failed: refused,
  connections: opened,
  freshness_p50_ms: ms(percentile(freshness, 50)),
  freshness_p99_ms: ms(percentile(freshness, 99)),
  freshness_max_ms: ms(freshness[freshness.length - 1] ?? 0),
  freshness_samples: freshness.length,
  read_your_write_p50_ms: ms(percentile(readYourWriteMs, 50)),
  read_your_write_p99_ms: ms(percentile(readYourWriteMs, 99)),
  read_your_write_samples: readYourWriteMs.length,
  projection_behind: behind,
  command_p50_ms: ms(percentile(commandMs, 50)),
  command_p99_ms: ms(percentile(commandMs, 99)),
  /** CPU milliseconds per accepted command, by service, over the whole run. */
  cpu_ms_per_command: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Number(((v * 1000) / Math.max(1, accepted)).toFixed(3))])),
  cpu_seconds: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Number(v.toFixed(2))])),
};
console.log(JSON.stringify(summary, null, 2));
console.log(`written: ${writeResults('freshness', summary)}`);
