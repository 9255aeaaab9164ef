/**
 * The admin search bench (`make bench-search`): GET /v1/admin/events and /v1/admin/users
 * over HTTP against a scratch ClickHouse database of --events events (default 1,000,000)
 * of --users users (default 20,000), with the API app in this process (buildApp, listening
 * on a free port) reading that database. Not part of `make test` or `make bench`.
 *
 * 1. The data: bench/admin-search-data.ts, run as a child process (the projector's writer
 *    and schema are not the API's to import, ADR 0009), creates the database and fills it
 *    through the projector's own writer with a consistent ledger over the last year.
 * 2. Latency, p50/p99 over --requests sequential requests each (default 50, after a
 *    warm-up of 3): (a) one user's events; (b) one type in a one-week from/to window;
 *    (c) reasonContains + minAmount; (d) the users search with minBalance.
 * 3. The CSV export of every event (format=csv, all 1,000,000 rows), read as it arrives and
 *    counted, never kept: rows, bytes, rows/s, and this process's resident memory sampled
 *    every 100 ms during it, against before (streamed, it stays flat).
 * The scratch database is dropped at the end (also after a failure). Figures on stdout,
 * and JSON in bench/results/admin-search-latest.json (git-ignored).
 *
 * The app reads the scratch database as the writer: the analyst user may read only the
 * model's own database (infra/conf/clickhouse/users.xml).
 *
 * Usage: npx tsx api/bench/admin-search.ts [--events 1000000] [--users 20000] [--requests 50] [--keep]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, repoRoot } from '../../common/src/config.ts';
import { createShards } from '../../common/src/mysql.ts';
import { clickhouseFrom } from '../../projectors/clickhouse/analytics.ts';
import { EVENT_TYPES } from '../../schemas/point-event.ts';
import { buildApp } from '../src/app.ts';
import { registerPointEventSchema } from '../src/ledger/event-codec.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    users: { type: 'string', default: '20000' },
    requests: { type: 'string', default: '50' },
    keep: { type: 'boolean', default: false },
  },
});
const requests = Number(values.requests);
const config = loadConfig();
const db = `points_bench_search_${Date.now()}`;
const DAY = 86_400_000;
const mb = (bytes: number) => Math.round(bytes / 1_048_576);

interface Filled {
  events: number;
  users: number;
  from: number;
  to: number;
  ms: number;
  sampleUsers: string[];
  reasonWord: string;
}

/** Runs bench/admin-search-data.ts; its progress goes to our stderr, its JSON line is the answer. */
function data(args: string[]): Promise<Filled | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(repoRoot, 'node_modules/.bin/tsx'), ['bench/admin-search-data.ts', ...args, '--db', db], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench/admin-search-data.ts ${args[0]} exited with ${code}`));
      const line = out.trim().split('\n').pop();
      resolve(line ? (JSON.parse(line) as Filled) : undefined);
    });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

async function main(): Promise<void> {
  console.log(`admin search bench: filling ${db} with ${Number(values.events).toLocaleString('en')} events of ${values.users} users`);
  const filled = (await data(['fill', '--events', String(values.events), '--users', String(values.users)]))!;
  console.log(`  filled in ${(filled.ms / 1000).toFixed(1)} s (${Math.round(filled.events / (filled.ms / 1000)).toLocaleString('en')} events/s)`);

  const ch = clickhouseFrom(config, 'writer', db);
  const shards = createShards(config, 2);
  const app = await buildApp({ config, shards, schemaId: await registerPointEventSchema(config.registry.url), analytics: ch, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const key = config.api.keys.find((k) => k.scopes.includes('admin'));
  if (!key) throw new Error('no API key with scope admin in API_KEYS');
  const headers = { authorization: `Bearer ${key.secret}` };

  try {
    let n = 0;
    const pickUser = () => filled.sampleUsers[n++ % filled.sampleUsers.length]!;
    const weekStart = () => filled.from + Math.floor((((n++ * 7919) % 1000) / 1000) * (filled.to - filled.from - 7 * DAY));
    const scenarios: { name: string; url: () => string }[] = [
      { name: '(a) userId', url: () => `/v1/admin/events?userId=${pickUser()}` },
      {
        name: '(b) type + one week',
        url: () => {
          const from = weekStart();
          const type = EVENT_TYPES[n % EVENT_TYPES.length];
          return `/v1/admin/events?type=${type}&from=${new Date(from).toISOString()}&to=${new Date(from + 7 * DAY).toISOString()}`;
        },
      },
      { name: '(c) reasonContains + minAmount', url: () => `/v1/admin/events?reasonContains=${filled.reasonWord}&minAmount=${1000 + (n++ % 10) * 100}` },
      { name: '(d) users minBalance', url: () => `/v1/admin/users?minBalance=${1000 + (n++ % 20) * 1000}` },
    ];
    const latency: Record<string, { p50: number; p99: number; mean: number; requests: number; meanItems: number }> = {};
    for (const s of scenarios) {
      const times: number[] = [];
      let items = 0;
      for (let i = 0; i < requests + 3; i++) {
        const started = performance.now();
        const res = await fetch(`${base}${s.url()}`, { headers });
        const body = (await res.json()) as { items?: unknown[] };
        const ms = performance.now() - started;
        if (res.status !== 200) throw new Error(`${s.name}: ${res.status} ${JSON.stringify(body)}`);
        if (i < 3) continue; // warm-up
        times.push(ms);
        items += body.items?.length ?? 0;
      }
      times.sort((x, y) => x - y);
      latency[s.name] = {
        p50: round(percentile(times, 50)),
        p99: round(percentile(times, 99)),
        mean: round(times.reduce((x, y) => x + y, 0) / times.length),
        requests: times.length,
        meanItems: Math.round(items / times.length),
      };
      console.log(
        `  ${s.name.padEnd(32)} p50 ${String(latency[s.name]!.p50).padStart(7)} ms   p99 ${String(latency[s.name]!.p99).padStart(7)} ms   (${requests} requests, ${latency[s.name]!.meanItems} items each on average)`,
      );
    }

    // The CSV export of every event, read as it arrives and counted, never kept.
    (globalThis as { gc?: () => void }).gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 100);
    const started = performance.now();
    let bytes = 0;
    let newlines = 0;
    let firstByteMs = 0;
    try {
      const res = await fetch(`${base}/v1/admin/events?format=csv`, { headers });
      if (res.status !== 200 || !res.body) throw new Error(`CSV export: ${res.status} ${await res.text()}`);
      const reader = res.body.getReader();
      for (;;) {
        const { done, value: chunk } = await reader.read();
        if (done) break;
        if (bytes === 0) firstByteMs = performance.now() - started;
        bytes += chunk.byteLength;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
      }
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - started) / 1000;
    // The generated reasons have no line breaks: one line per row, after the header.
    const rows = newlines - 1;
    if (rows !== filled.events) throw new Error(`the CSV has ${rows} rows, the database ${filled.events} events`);
    const csv = {
      rows,
      bytes,
      seconds: Math.round(seconds * 10) / 10,
      rowsPerSecond: Math.round(rows / seconds),
      firstByteMs: Math.round(firstByteMs),
      rssBeforeMb: mb(rssBefore),
      rssPeakMb: mb(rssPeak),
      rssGrowthMb: mb(rssPeak - rssBefore),
    };
    console.log(
      `  CSV export of every event: ${rows.toLocaleString('en')} rows, ${mb(bytes)} MB in ${csv.seconds} s (${csv.rowsPerSecond.toLocaleString('en')} rows/s, first byte after ${csv.firstByteMs} ms)`,
    );
    console.log(`  resident memory: ${csv.rssBeforeMb} MB before, ${csv.rssPeakMb} MB at the peak (+${csv.rssGrowthMb} MB; the CSV itself is ${mb(bytes)} MB)`);

    const result = {
      at: new Date().toISOString(),
      topology: config.topology,
      events: filled.events,
      users: filled.users,
      fillSeconds: filled.ms / 1000,
      latency,
      csv,
    };
    mkdirSync(path.join(repoRoot, 'bench/results'), { recursive: true });
    writeFileSync(path.join(repoRoot, 'bench/results/admin-search-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log('  written to bench/results/admin-search-latest.json');
  } finally {
    await app.close();
    await shards.destroy();
    await ch.close();
  }
}

try {
  await main();
} finally {
  if (!values.keep) await data(['drop']);
}
