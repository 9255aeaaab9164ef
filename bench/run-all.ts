/**
 * `make bench`: every benchmark against the running stack, side by side with the raw
 * limits of its parts, in one run. Writes bench/results/latest.json (and a dated
 * copy), bench/results/latency-vs-load.svg, and regenerates BENCHMARKS.md.
 * Not part of `make test`: the machine is shared and noisy.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { loadConfig, repoRoot } from '../common/src/config.ts';
import { runLoad, writeResults } from './lib.ts';
import { latencyChart } from './chart.ts';

const config = loadConfig();
const run = promisify(execFile);
const say = (s: string) => console.log(`[bench] ${s}`);
const results = path.join(repoRoot, 'bench/results');

/** Runs a bench script, its output streamed, and returns its latest JSON. */
async function script(name: string, args: string[]): Promise<Record<string, unknown>> {
  say(`${name} ${args.join(' ')}`);
  await new Promise<void>((resolve, reject) => {
    const p = spawn(path.join(repoRoot, 'node_modules/.bin/tsx'), [`bench/${name}.ts`, ...args], { cwd: repoRoot, stdio: 'inherit' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited with ${code}`))));
  });
  return JSON.parse(readFileSync(path.join(results, `${name}-latest.json`), 'utf8')) as Record<string, unknown>;
}

/** RSS of every process the stack started (each service's process group). */
async function stackRssMb(): Promise<{ total: number; services: Record<string, number> }> {
  const services: Record<string, number> = {};
  const { stdout } = await run('ps', ['-eo', 'pgid=,rss=']);
  const byGroup = new Map<number, number>();
  for (const line of stdout.trim().split('\n')) {
    const [g, r] = line.trim().split(/\s+/).map(Number);
    byGroup.set(g!, (byGroup.get(g!) ?? 0) + r!);
  }
  for (const s of ['mariadb', 'kafka', 'registry', 'redis', 'clickhouse', 'connect', 'api', 'projector-redis', 'projector-clickhouse']) {
    try {
      const pid = Number(readFileSync(path.join(config.stackDir, 'run', `${s}.pid`), 'utf8'));
      services[s] = Math.round((byGroup.get(pid) ?? 0) / 1024);
    } catch {
      services[s] = 0;
    }
  }
  return { total: Object.values(services).reduce((a, b) => a + b, 0), services };
}

const started = Date.now();
say(`machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; everything below shares them`);
const rss = await stackRssMb();
say(`stack RSS while idle: ${rss.total} MB ${JSON.stringify(rss.services)}`);

// Commands: HTTP vs the same SQL straight through mysql2, over 10,000 users.
const commands = await script('commands', ['--seconds', '15', '--concurrency', '32', '--users', '10000']);

// Latency against load: the HTTP command path at rising concurrency.
const sweep: { concurrency: number; perSecond: number; p50Ms: number; p99Ms: number }[] = [];
for (const c of [1, 4, 16, 64]) {
  const r = await script('commands', ['--seconds', '8', '--concurrency', String(c), '--users', '1000', '--phases', 'http']);
  const http = (r.phases as { name: string; perSecond: number; p50Ms: number; p99Ms: number }[])[0]!;
  sweep.push({ concurrency: c, perSecond: http.perSecond, p50Ms: http.p50Ms, p99Ms: http.p99Ms });
}

// Queries: balance through HTTP against the raw Redis reads behind it.
const url = `http://${config.api.host}:${config.api.port}`;
const write = config.api.keys.find((k) => k.scopes.includes('points:write'))!.secret;
const read = config.api.keys.find((k) => k.scopes.includes('points:read'))!.secret;
const users = Array.from({ length: 200 }, (_, i) => `qbench-${randomUUID().slice(0, 8)}-${i}`);
say('seeding 200 users for the query bench');
for (const u of users) {
  await fetch(`${url}/v1/points/grants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${write}`, 'idempotency-key': randomUUID() },
    body: JSON.stringify({ userId: u, amount: 100, validDays: 30, reason: 'query bench' }),
  });
}
await new Promise((r) => setTimeout(r, 2000));
const queries = await runLoad('balance query (HTTP)', 32, 10, async (i) => {
  const res = await fetch(`${url}/v1/users/${users[i % users.length]}/balance`, { headers: { authorization: `Bearer ${read}` } });
  await res.arrayBuffer();
  return res.status === 200;
});
// The same reads a balance query makes (HMGET of the wallet, HGETALL of two lot hashes), raw.
const key = `u:{${users[0]}}`;
say('redis-benchmark on the reads of a balance query');
const rb = await run('redis-benchmark', ['-h', config.redis.host, '-p', String(config.redis.port), '-c', '32', '-n', '200000', '--csv',
  'HMGET', `${key}:w`, 'balance', 'seq', 'updatedAt']);
const rawRedis = Math.round(Number(rb.stdout.trim().split('\n').pop()!.split(',')[1]!.replace(/"/g, '')));
say(`raw Redis HMGET: ${rawRedis}/s`);

// Read side: replay rates and freshness at a steady rate.
const readSide = await script('read-side', ['--rate', '300', '--seconds', '20']);

const summary = {
  at: new Date().toISOString(),
  machine: { cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
  commands_per_s: commands.commands_per_s,
  command_p50_ms: commands.command_p50_ms,
  command_p99_ms: commands.command_p99_ms,
  raw_sql_tx_per_s: commands.raw_sql_tx_per_s,
  ledger_no_http_per_s: commands.ledger_no_http_per_s,
  queries_per_s: queries.perSecond,
  query_p50_ms: queries.p50Ms,
  query_p99_ms: queries.p99Ms,
  raw_redis_ops_per_s: rawRedis,
  freshness_p50_ms: readSide.freshness_p50_ms,
  freshness_p99_ms: readSide.freshness_p99_ms,
  freshness_rate_per_s: readSide.freshness_rate_per_s,
  replay_redis_eps: readSide.replay_redis_eps,
  replay_clickhouse_eps: readSide.replay_clickhouse_eps,
  stack_rss_mb: rss.total,
  stack_rss_by_service_mb: rss.services,
  latency_vs_load: sweep,
  seconds: Math.round((Date.now() - started) / 1000),
};
writeResults('latest-run', summary);
writeFileSync(path.join(results, 'latest.json'), JSON.stringify(summary, null, 2) + '\n');
writeFileSync(path.join(results, 'latency-vs-load.svg'), latencyChart(sweep));
writeFileSync(path.join(repoRoot, 'BENCHMARKS.md'), benchmarksMd(summary));
say(`done in ${summary.seconds} s: bench/results/latest.json, BENCHMARKS.md`);

function benchmarksMd(s: typeof summary): string {
  const goal = (ok: boolean) => (ok ? 'met' : 'not met');
  return `# Benchmarks

Generated by \`make bench\` (bench/run-all.ts) on ${s.at}: ${s.machine.cores} cores,
${s.machine.memoryGiB} GiB, everything (MariaDB, Kafka, Connect, the registry, Redis,
ClickHouse, the API, both projectors and the load generator) on the same machine.
Raw figures: \`bench/results/latest.json\`; dated copies beside it.

| measure | figure | raw limit, same run | goal | |
|---|---|---|---|---|
| commands/s (70% use, 30% grant, 10,000 users, HTTP) | ${s.commands_per_s} | ${s.raw_sql_tx_per_s} tx/s straight through mysql2 | 2,000/s and ≥ half the raw rate | ${goal(Number(s.commands_per_s) >= 2000)} |
| command latency p50 / p99 | ${s.command_p50_ms} / ${s.command_p99_ms} ms | | p99 < 50 ms | ${goal(Number(s.command_p99_ms) < 50)} |
| balance queries/s (HTTP) | ${s.queries_per_s} (p99 ${s.query_p99_ms} ms) | ${s.raw_redis_ops_per_s} HMGET/s (redis-benchmark) | 15,000/s, p99 < 5 ms | ${goal(s.queries_per_s >= 15000 && s.query_p99_ms < 5)} |
| freshness p50 / p99 (commit to Redis) | ${s.freshness_p50_ms} / ${s.freshness_p99_ms} ms at ${s.freshness_rate_per_s} commands/s | | p99 < 1 s at 1,000/s | ${goal(Number(s.freshness_p99_ms) < 1000)} (at a lower rate) |
| Redis replay | ${s.replay_redis_eps} events/s | | 20,000/s | ${goal(Number(s.replay_redis_eps) >= 20000)} |
| ClickHouse replay | ${s.replay_clickhouse_eps} events/s | | 50,000/s | ${goal(Number(s.replay_clickhouse_eps) >= 50000)} |
| stack memory, idle | ${s.stack_rss_mb} MB | | < 4 GiB | ${goal(s.stack_rss_mb < 4096)} |

## Latency against load (HTTP commands)

![latency against load](bench/results/latency-vs-load.svg)

| concurrency | commands/s | p50 ms | p99 ms |
|---|---|---|---|
${s.latency_vs_load.map((r) => `| ${r.concurrency} | ${r.perSecond} | ${r.p50Ms} | ${r.p99Ms} |`).join('\n')}

## Memory by service (MB, idle)

| ${Object.keys(s.stack_rss_by_service_mb).join(' | ')} |
|${Object.keys(s.stack_rss_by_service_mb).map(() => '---').join('|')}|
| ${Object.values(s.stack_rss_by_service_mb).join(' | ')} |
`;
}
