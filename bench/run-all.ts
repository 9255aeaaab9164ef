/**
 * `make bench`: every benchmark against the running stack, side by side with the raw
 * limits of its parts, in one run. Writes only into bench/results/ (git-ignored):
 * latest.json (and a dated copy) and latency-vs-load.svg.
 * Not part of `make test`: the machine is shared and noisy.
 * `--render` (`make bench-report`) renders the committed BENCHMARKS.md and its chart
 * (docs/benchmarks/latency-vs-load.svg) from the last results: bench/results/latest.json,
 * bench/results/chaos-latest.json (`make chaos`) and bench/LIMITS.md.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, repoRoot } from '../common/src/config.ts';
import { stackUsage, writeResults } from './lib.ts';
import { waitForPipelineIdle } from '../common/src/pipeline-idle.ts';
import { PROJECTOR_GROUPS } from '../common/src/projector-groups.ts';
import { latencyChart } from './chart.ts';

const config = loadConfig();
const say = (s: string) => console.log(`[bench] ${s}`);
const results = path.join(repoRoot, 'bench/results');
/** The chart BENCHMARKS.md shows, tracked beside it (bench/results/ is not). */
const reportChart = 'docs/benchmarks/latency-vs-load.svg';

/** Runs a bench script, its output streamed, and returns its latest JSON. */
async function script(name: string, args: string[]): Promise<Record<string, unknown>> {
  say(`${name} ${args.join(' ')}`);
  await new Promise<void>((resolve, reject) => {
    const p = spawn(path.join(repoRoot, 'node_modules/.bin/tsx'), [`bench/${name}.ts`, ...args], { cwd: repoRoot, stdio: 'inherit' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited with ${code}`))));
  });
  return JSON.parse(readFileSync(path.join(results, `${name}-latest.json`), 'utf8')) as Record<string, unknown>;
}

/** RSS of every service of the stack, MB. */
function stackRssMb(): { total: number; services: Record<string, number> } {
  const usage = stackUsage(config.stackDir);
  delete usage['load generator'];
  const services = Object.fromEntries(Object.entries(usage).map(([k, u]) => [k, Math.round(u.rssMb)]));
  return { total: Object.values(services).reduce((a, b) => a + b, 0), services };
}

// --render (make bench-report): BENCHMARKS.md and its chart from the last results.
if (process.argv.includes('--render')) {
  const latest = path.join(results, 'latest.json');
  if (!existsSync(latest)) {
    console.error('[bench] no bench/results/latest.json on this machine: run make bench first');
    process.exit(1);
  }
  const last = JSON.parse(readFileSync(latest, 'utf8')) as Parameters<typeof benchmarksMd>[0];
  mkdirSync(path.dirname(path.join(repoRoot, reportChart)), { recursive: true });
  writeFileSync(path.join(repoRoot, reportChart), latencyChart(last.latency_vs_load));
  writeFileSync(path.join(repoRoot, 'BENCHMARKS.md'), benchmarksMd(last));
  if (!existsSync(path.join(results, 'chaos-latest.json'))) say('no bench/results/chaos-latest.json (make chaos): BENCHMARKS.md has no fault-injection table');
  say(`BENCHMARKS.md and ${reportChart} rendered from the make bench run of ${last.at}`);
  process.exit(0);
}

/** Each phase starts on an idle pipeline (CDC caught up, projectors at the end): no backlog of the last one. */
async function idle(before: string): Promise<void> {
  const r = await waitForPipelineIdle(config, { groups: PROJECTOR_GROUPS, timeoutMs: 300_000 });
  if (!r.idle) throw new Error(`pipeline not idle before ${before}: ${r.reason}`);
  say(`pipeline idle before ${before} (${r.idleMs} ms)`);
}

const started = Date.now();
say(`machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; everything below shares them`);
await idle('the memory reading');
const rss = stackRssMb();
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

await idle('the queries');
// Queries: balance through HTTP against redis-benchmark running the same script.
const queries = await script('queries', ['--seconds', '10', '--concurrency', '32', '--users', '1000']);

await idle('the freshness run');
// Freshness at a steady 1,000 commands/s (open loop), with CPU per command by service.
const freshness = await script('freshness', ['--rate', '1000', '--seconds', '20']);

await idle('the replays');
// Replays of the whole topic into scratch targets.
const readSide = await script('read-side', []);

const summary = {
  at: new Date().toISOString(),
  machine: { cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
  commands_per_s: commands.commands_per_s,
  command_p50_ms: commands.command_p50_ms,
  command_p99_ms: commands.command_p99_ms,
  raw_sql_tx_per_s: commands.raw_sql_tx_per_s,
  ledger_no_http_per_s: commands.ledger_no_http_per_s,
  queries_per_s: queries.queries_per_s as number,
  query_p50_ms: queries.query_p50_ms as number,
  query_p99_ms: queries.query_p99_ms as number,
  raw_redis_ops_per_s: queries.raw_redis_ops_per_s as number,
  raw_redis_p99_ms: queries.raw_redis_p99_ms as number,
  freshness_p50_ms: freshness.freshness_p50_ms as number,
  freshness_p99_ms: freshness.freshness_p99_ms as number,
  freshness_rate_per_s: freshness.freshness_rate_per_s as number,
  freshness_offered_per_s: freshness.offered_per_s as number,
  freshness_command_p99_ms: freshness.command_p99_ms as number,
  read_your_write_p99_ms: freshness.read_your_write_p99_ms as number,
  replay_redis_eps: readSide.replay_redis_eps,
  replay_clickhouse_eps: readSide.replay_clickhouse_eps,
  stack_rss_mb: rss.total,
  stack_rss_by_service_mb: rss.services,
  latency_vs_load: sweep,
  cpu_ms_per_command: {
    http: (commands.phases as { cpuMsPerCommand?: Record<string, number> }[])[0]?.cpuMsPerCommand ?? {},
    raw: (commands.phases as { cpuMsPerCommand?: Record<string, number> }[])[2]?.cpuMsPerCommand ?? {},
    steady: freshness.cpu_ms_per_command as Record<string, number>,
  },
  seconds: Math.round((Date.now() - started) / 1000),
};
writeResults('latest-run', summary);
writeFileSync(path.join(results, 'latest.json'), `${JSON.stringify(summary, null, 2)}\n`);
writeFileSync(path.join(results, 'latency-vs-load.svg'), latencyChart(sweep));
say(`done in ${summary.seconds} s: bench/results/latest.json; make bench-report renders BENCHMARKS.md from it`);

function benchmarksMd(s: typeof summary): string {
  const goal = (ok: boolean) => (ok ? 'met' : 'not met');
  const n = (v: unknown) => Number(v).toLocaleString('en-US');
  const cpu = s.cpu_ms_per_command;
  const services = Object.keys(cpu.steady);
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const cpuRow = (name: string, r: Record<string, number>) =>
    `| ${name} | ${services.map((k) => (r[k] ?? 0).toFixed(2)).join(' | ')} | **${sum(r).toFixed(2)}** | ${Math.round(2000 / Math.max(0.001, sum(r)))} |`;
  return `# Benchmarks

Measured by \`make bench\` (bench/run-all.ts) on ${s.at}: ${s.machine.cores} cores,
${s.machine.memoryGiB} GiB, everything (MariaDB, Kafka, Connect, the registry, Redis,
ClickHouse, the API, both projectors and the load generator) on the same machine;
rendered into this file by \`make bench-report\`. Raw figures: \`bench/results/latest.json\`
on the machine that ran it, dated copies beside it (git-ignored). How each figure is
taken, and what limits it, is explained below the tables (docs/adr/0007 for the command path).

| measure | figure | raw limit, same run | goal | |
|---|---|---|---|---|
| commands/s (60% use, 30% grant, 10% cancel, 10,000 users, HTTP, 32 connections) | ${n(s.commands_per_s)} | ${n(s.raw_sql_tx_per_s)} tx/s: the same statements straight through mysql2 | 2,000/s and ≥ half the raw rate | ${goal(Number(s.commands_per_s) >= 2000)} / ${goal(Number(s.commands_per_s) >= Number(s.raw_sql_tx_per_s) / 2)} (${Math.round((100 * Number(s.commands_per_s)) / Math.max(1, Number(s.raw_sql_tx_per_s)))}%) |
| command latency p50 / p99 | ${s.command_p50_ms} / ${s.command_p99_ms} ms | | p99 < 50 ms | ${goal(Number(s.command_p99_ms) < 50)} |
| balance queries/s (HTTP, 32 connections) | ${n(s.queries_per_s)} (p50 ${s.query_p50_ms} ms, p99 ${s.query_p99_ms} ms) | ${n(s.raw_redis_ops_per_s)}/s (p99 ${s.raw_redis_p99_ms} ms): redis-benchmark running the balance script | 15,000/s, p99 < 5 ms | ${goal(s.queries_per_s >= 15000 && s.query_p99_ms < 5)} |
| freshness p50 / p99 (commit to visible in Redis) | ${s.freshness_p50_ms} / ${s.freshness_p99_ms} ms; ${n(s.freshness_offered_per_s)} commands/s offered, ${n(s.freshness_rate_per_s)}/s committed (command p99 ${n(s.freshness_command_p99_ms)} ms from its scheduled time) | | p99 < 1 s at 1,000/s | ${goal(Number(s.freshness_p99_ms) < 1000 && Number(s.freshness_rate_per_s) >= 950)}${Number(s.freshness_rate_per_s) < 950 ? ' (fresh, but the stack commits fewer than 1,000/s: see below)' : ''} |
| read your write, p99 (answer, then balance with minSeq) | ${s.read_your_write_p99_ms} ms | | | |
| Redis replay | ${n(s.replay_redis_eps)} events/s | | 20,000/s | ${goal(Number(s.replay_redis_eps) >= 20000)} |
| ClickHouse replay | ${n(s.replay_clickhouse_eps)} events/s | | 50,000/s | ${goal(Number(s.replay_clickhouse_eps) >= 50000)} |
| stack memory, idle | ${n(s.stack_rss_mb)} MB | | < 4 GiB | ${goal(s.stack_rss_mb < 4096)} |

## Latency against load (HTTP commands)

![latency against load](${reportChart})

| concurrency | commands/s | p50 ms | p99 ms |
|---|---|---|---|
${s.latency_vs_load.map((r) => `| ${r.concurrency} | ${r.perSecond} | ${r.p50Ms} | ${r.p99Ms} |`).join('\n')}

## Where a command's CPU goes (ms of CPU per command, by process)

Read from /proc for every process group of the stack during each run. Two cores give
2,000 ms of CPU per second, so the last column is the rate at which the whole machine
would be busy with that work alone.

| run | ${services.join(' | ')} | total | 2,000 ms ÷ total |
|---|${services.map(() => '---').join('|')}|---|---|
${cpuRow('HTTP, closed loop (the commands/s row)', cpu.http)}
${cpuRow('raw SQL, closed loop', cpu.raw)}
${cpuRow(`${n(s.freshness_offered_per_s)}/s offered, ${n(s.freshness_rate_per_s)}/s committed, all services keeping up (freshness)`, cpu.steady)}

In the closed-loop runs the projectors and ClickHouse fall behind during the 15 s and
catch up afterwards, so their share there is lower than in the steady run.

## Memory by service (MB, idle)

| ${Object.keys(s.stack_rss_by_service_mb).join(' | ')} |
|${Object.keys(s.stack_rss_by_service_mb).map(() => '---').join('|')}|
| ${Object.values(s.stack_rss_by_service_mb).join(' | ')} |

${chaosMd()}
${readFileSync(path.join(repoRoot, 'bench/LIMITS.md'), 'utf8')}`;
}

/** The last `make chaos` results (bench/results/chaos-latest.json), if any. */
function chaosMd(): string {
  let c: { at: string; rows: Record<string, string | number | boolean>[] };
  try {
    c = JSON.parse(readFileSync(path.join(results, 'chaos-latest.json'), 'utf8'));
  } catch {
    return '';
  }
  const row = (r: Record<string, string | number | boolean>) => `| ${r.scenario} | ${r.accepted} | ${r.refused} | ${r.failed} | ${r.eventsWritten} | `
    + `${r.projectedRedis ?? '–'} / ${r.projectedClickHouse ?? '–'} | ${r.duplicatesSkippedRedis ?? '–'} / ${r.duplicatesSkippedClickHouse ?? '–'} | ${r.differences} |`;
  return `## Fault injection (\`make chaos\`, ${c.at})

Each scenario: ${c.rows[0]?.commands ?? ''} commands over 200 users at 8 at a time, the fault a quarter of
the way in, then every check of \`make verify\` once the pipeline is idle. Refusals are the
domain's own (the mix spends more than it grants).

| scenario | accepted (201) | refused | failed | events written | projected Redis / ClickHouse | duplicates skipped Redis / ClickHouse | differences |
|---|---|---|---|---|---|---|---|
${c.rows.map(row).join('\n')}
`;
}
