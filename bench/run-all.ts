/**
 * `make bench`: every benchmark against the running stack, side by side with the raw
 * limits of its parts, in one run. Writes only into bench/results/ (git-ignored):
 * latest.json (and a dated copy) and latency-vs-load.svg.
 * Not part of `make test`: the machine is shared and noisy.
 * At the end, the capacity model (bench/capacity.ts) from the figures just measured:
 * bench/results/capacity-latest.json.
 * `--render` (`make bench-report`) renders the committed BENCHMARKS.md and its chart
 * (docs/benchmarks/latency-vs-load.svg) from the last results: bench/results/latest.json
 * (with the capacity model of its figures), bench/results/chaos-latest.json (`make chaos`)
 * and bench/LIMITS.md. It runs nothing against the stack.
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
import { capacityFromFile, capacityMd, capacityModel, measuredFrom } from './capacity.ts';

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

type Summary = Parameters<typeof benchmarksMd>[0];

/** RSS of every service of the stack, MB. */
function stackRssMb(): { total: number; services: Record<string, number> } {
  const usage = stackUsage(config.stackDir);
  delete usage['load generator'];
  const services = Object.fromEntries(Object.entries(usage).map(([k, u]) => [k, Math.round(u.rssMb)]));
  return { total: Object.values(services).reduce((a, b) => a + b, 0), services };
}

/** Both topologies' last results, when both have been measured: the side-by-side table. */
let topologies: { single: Summary; cluster: Summary } | undefined;

// --render (make bench-report): BENCHMARKS.md and its chart from the last results.
if (process.argv.includes('--render')) {
  const latest = path.join(results, 'latest.json');
  if (!existsSync(latest)) {
    console.error('[bench] no bench/results/latest.json on this machine: run make bench first');
    process.exit(1);
  }
  // Results from before the field was recorded are all the single topology's (the cluster one came after).
  const read = (file: string) => ({ topology: 'single', ...JSON.parse(readFileSync(file, 'utf8')) }) as Summary;
  const of = (topology: string) =>
    existsSync(path.join(results, `latest-${topology}.json`)) ? read(path.join(results, `latest-${topology}.json`)) : undefined;
  // The main tables are the single topology's when it has been measured; the cluster's stand beside them.
  const last = of('single') ?? read(latest);
  const cluster = of('cluster');
  if (!cluster) say('no bench/results/latest-cluster.json (make bench with TOPOLOGY=cluster): BENCHMARKS.md has no side-by-side table');
  topologies = last.topology === 'single' && cluster ? { single: last, cluster } : undefined;
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
  topology: config.topology as string,
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
  replay_redis_eps: readSide.replay_redis_eps as number,
  replay_clickhouse_eps: readSide.replay_clickhouse_eps as number,
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
// Per topology too, so that the report sets the single and cluster figures side by side.
writeFileSync(path.join(results, `latest-${summary.topology}.json`), `${JSON.stringify(summary, null, 2)}\n`);
writeFileSync(path.join(results, 'latency-vs-load.svg'), latencyChart(sweep));
// The capacity model past this machine, from the figures just measured.
try {
  capacityFromFile(path.join(results, 'latest.json'));
} catch (e) {
  say(`capacity model failed: ${(e as Error).message}`);
  process.exitCode = 1;
}
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
${topologyNote(s.topology)}

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
|${Object.keys(s.stack_rss_by_service_mb)
    .map(() => '---')
    .join('|')}|
| ${Object.values(s.stack_rss_by_service_mb).join(' | ')} |

${capacityMd(capacityModel(measuredFrom(s)))}
${chaosMd()}
${readFileSync(path.join(repoRoot, 'bench/LIMITS.md'), 'utf8')}`;
}

/** Which topology the figures are of, and where the other's come from (or both, side by side). */
function topologyNote(topology: string): string {
  if (topologies) return topologyTable(topologies.single, topologies.cluster);
  return topology === 'cluster'
    ? "These are the `cluster` topology's figures; the `single` topology's, to set beside them,\ncome from `make bench` with `TOPOLOGY=single` (the results record their topology)."
    : "These are the `single` topology's figures; the `cluster` topology's measured commands/s\nand replay rates, to set beside them, come from `make bench` with `TOPOLOGY=cluster`\n(the results record their topology).";
}

/** The single and cluster topologies' figures side by side, with what the cluster costs or gains. */
function topologyTable(single: Summary, cluster: Summary): string {
  const change = (a: number, b: number) => (a > 0 ? `${b >= a ? '+' : '−'}${Math.abs(Math.round((100 * (b - a)) / a))}%` : '–');
  const n = (v: number) => Number(v).toLocaleString('en-US');
  const row = (what: string, a: number, b: number, unit = '') => `| ${what} | ${n(a)}${unit} | ${n(b)}${unit} | ${change(a, b)} |`;
  return `These are the \`single\` topology's figures (${single.at}). The \`cluster\` topology's, measured by
the same \`make bench\` on the same machine (${cluster.at}, \`TOPOLOGY=cluster\`), stand beside them:
on two cores the cluster runs ${Object.keys(cluster.stack_rss_by_service_mb).length} processes instead of ${Object.keys(single.stack_rss_by_service_mb).length},
so what it shows here is its overhead; what it buys is room past one machine (the capacity model below).

| measure | single | cluster | cluster vs single |
|---|---|---|---|
${row('commands/s (HTTP, 32 connections)', Number(single.commands_per_s), Number(cluster.commands_per_s))}
${row('raw SQL tx/s, same run', Number(single.raw_sql_tx_per_s), Number(cluster.raw_sql_tx_per_s))}
${row('ledger without HTTP, commands/s', Number(single.ledger_no_http_per_s), Number(cluster.ledger_no_http_per_s))}
${row('command p50', Number(single.command_p50_ms), Number(cluster.command_p50_ms), ' ms')}
${row('command p99', Number(single.command_p99_ms), Number(cluster.command_p99_ms), ' ms')}
${row('balance queries/s (HTTP)', single.queries_per_s, cluster.queries_per_s)}
${row('balance query p99', single.query_p99_ms, cluster.query_p99_ms, ' ms')}
${row('freshness p99 at the offered rate', single.freshness_p99_ms, cluster.freshness_p99_ms, ' ms')}
${row('commands/s committed of the 1,000/s offered', single.freshness_rate_per_s, cluster.freshness_rate_per_s)}
${row('Redis replay, events/s', single.replay_redis_eps, cluster.replay_redis_eps)}
${row('ClickHouse replay, events/s', single.replay_clickhouse_eps, cluster.replay_clickhouse_eps)}
${row('stack memory, idle', single.stack_rss_mb, cluster.stack_rss_mb, ' MB')}
`;
}

/** The last `make chaos` results (bench/results/chaos-latest.json), if any. */
function chaosMd(): string {
  let c: { at: string; rows: Record<string, string | number | boolean>[] };
  try {
    c = JSON.parse(readFileSync(path.join(results, 'chaos-latest.json'), 'utf8'));
  } catch {
    return '';
  }
  const row = (r: Record<string, string | number | boolean>) =>
    `| ${r.scenario} | ${r.accepted} | ${r.refused} | ${r.failed} | ${r.eventsWritten} | ` +
    `${r.projectedRedis ?? '–'} / ${r.projectedClickHouse ?? '–'} | ${r.duplicatesSkippedRedis ?? '–'} / ${r.duplicatesSkippedClickHouse ?? '–'} | ${r.differences} |`;
  return `## Fault injection (\`make chaos\`, ${c.at})

Each scenario: ${c.rows[0]?.commands ?? ''} commands over 200 users at 8 at a time, the fault a quarter of
the way in, then every check of \`make verify\` once the pipeline is idle. Refusals are the
domain's own (the mix spends more than it grants).

| scenario | accepted (201) | refused | failed | events written | projected Redis / ClickHouse | duplicates skipped Redis / ClickHouse | differences |
|---|---|---|---|---|---|---|---|
${c.rows.map(row).join('\n')}
`;
}
