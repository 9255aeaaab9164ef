/**
 * Balance queries through HTTP against the raw limit of the same read, in one run:
 *   http: GET /v1/users/{id}/balance over keep-alive connections (the bench key)
 *   raw:  redis-benchmark running the very script a balance query runs (EVALSHA of
 *         BALANCE_SCRIPT on one seeded user's keys), same connection count
 * Usage: npx tsx bench/queries.ts [--seconds 10] [--concurrency 32] [--users 1000]
 * Writes bench/results/queries-latest.json (and a dated copy).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { parseArgs, promisify } from 'node:util';
import { loadConfig } from '../common/src/config.ts';
import { createRedis, masterOf } from '../common/src/redis.ts';
import { userKeys } from '../projectors/redis/keys.ts';
import { BALANCE_SCRIPT } from '../projectors/redis/read-model.ts';
import { BenchClient } from './http-client.ts';
import { benchAuth, runLoad, writeResults } from './lib.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '32' }, users: { type: 'string', default: '1000' } },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const config = loadConfig();
const url = `http://${config.api.host}:${config.api.port}`;
const headers = benchAuth(config);
const client = new BenchClient(url, concurrency);

const users = Array.from({ length: Number(values.users) }, (_, i) => `qbench-${randomUUID().slice(0, 8)}-${i}`);
console.log(`queries bench: seeding ${users.length} users (one grant each)...`);
for (let i = 0; i < users.length; i += concurrency) {
  const seeded = await Promise.all(
    users.slice(i, i + concurrency).map(async (u, w) => {
      const res = await client
        .conn(w)
        .request(
          'POST',
          '/v1/points/grants',
          { ...headers, 'idempotency-key': randomUUID() },
          JSON.stringify({ userId: u, amount: 100, validDays: 20, reason: 'query bench' }),
        );
      return res.status;
    }),
  );
  if (seeded.some((s) => s !== 201)) throw new Error(`seeding failed: ${seeded.join(',')}`);
}
// Every seeded balance is visible before the load starts.
const last = users[users.length - 1]!;
for (let t = 0; ; t++) {
  const res = await client.conn(0).request('GET', `/v1/users/${last}/balance?minSeq=1&waitMs=2000`, headers);
  if (res.status === 200) break;
  if (t > 30) throw new Error(`the read model did not catch up: ${res.status} ${res.body}`);
}

const http = await runLoad('balance query (HTTP)', concurrency, seconds, async (i, w) => {
  const res = await client.conn(w).request('GET', `/v1/users/${users[i % users.length]}/balance`, headers);
  return res.status === 200;
});
client.close();

const k = userKeys(users[0]!);
// The server that holds the user's keys (on Redis Cluster, their slot's master), where the script is loaded.
const redis = createRedis(config);
const server = await masterOf(redis, k.wallet);
const sha = (await server.script('LOAD', BALANCE_SCRIPT)) as string;
const { host, port } = server.options;
redis.disconnect();
console.log('redis-benchmark: the balance script, same connection count...');
const { stdout } = await promisify(execFile)('redis-benchmark', [
  '-h',
  String(host),
  '-p',
  String(port),
  '-c',
  String(concurrency),
  '-n',
  '200000',
  '--csv',
  'EVALSHA',
  sha,
  '3',
  k.wallet,
  k.remaining,
  k.expiry,
  String(Date.now() + 30 * 86_400_000),
]);
// --csv: a header line, then "test","rps","avg","min","p50","p95","p99","max"
const cols = stdout
  .trim()
  .split('\n')
  .pop()!
  .split(',')
  .map((c) => Number(c.replace(/"/g, '')));
const raw = { perSecond: Math.round(cols[1]!), p50Ms: cols[4]!, p99Ms: cols[6]! };
console.log(`raw (redis-benchmark EVALSHA): ${raw.perSecond}/s, p50 ${raw.p50Ms} ms, p99 ${raw.p99Ms} ms`);

const summary = {
  at: new Date().toISOString(),
  settings: { seconds, concurrency, users: users.length },
  queries_per_s: http.perSecond,
  query_p50_ms: http.p50Ms,
  query_p99_ms: http.p99Ms,
  query_errors: http.errors,
  raw_redis_ops_per_s: raw.perSecond,
  raw_redis_p50_ms: raw.p50Ms,
  raw_redis_p99_ms: raw.p99Ms,
};
console.log(JSON.stringify(summary, null, 2));
console.log(`written: ${writeResults('queries', summary)}`);
