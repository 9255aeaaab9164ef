/** Small helpers of the benchmarks: result files, the stack's CPU and memory, the bench key; the load runner and percentiles (from common/src/bench-load.ts). */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, type StackConfig } from '../common/src/config.ts';

// The load runner and percentiles are shared with the API's own ledger phase (api/bench/), which may not import bench/.
export { percentile, runLoad, type LoadResult } from '../common/src/bench-load.ts';

/** Writes bench/results/<name>-latest.json and a dated copy (the folder is git-ignored). */
export function writeResults(name: string, data: unknown): string {
  const dir = path.join(repoRoot, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const text = `${JSON.stringify(data, null, 2)}\n`;
  writeFileSync(path.join(dir, `${name}-latest.json`), text);
  const dated = path.join(dir, `${name}-${stamp}.json`);
  writeFileSync(dated, text);
  return dated;
}

export interface ProcessUsage {
  /** Resident memory, MB. */
  rssMb: number;
  /** CPU time used so far (user + system), seconds. */
  cpuSeconds: number;
}

/**
 * Memory and CPU time of every service instance of the running stack (either topology):
 * each runs under its supervisor (pid in .stack/run/<name>.pid) in a process group of its
 * own (setsid), whose leader's pid is in .stack/run/<name>.child; both groups count.
 * `self` is this process (the load generator).
 */
export function stackUsage(stackDir: string): Record<string, ProcessUsage> {
  const byGroup = new Map<number, ProcessUsage>();
  const self = process.pid;
  let selfUsage: ProcessUsage = { rssMb: 0, cpuSeconds: 0 };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name (which may hold spaces) in parentheses.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgid = Number(f[2]);
    const usage = { cpuSeconds: (Number(f[11]) + Number(f[12])) / CLOCK_TICKS, rssMb: (Number(f[21]) * PAGE) / 2 ** 20 };
    if (Number(entry) === self) selfUsage = usage;
    const g = byGroup.get(pgid) ?? { rssMb: 0, cpuSeconds: 0 };
    byGroup.set(pgid, { rssMb: g.rssMb + usage.rssMb, cpuSeconds: g.cpuSeconds + usage.cpuSeconds });
  }
  const out: Record<string, ProcessUsage> = {};
  const run = path.join(stackDir, 'run');
  const pidOf = (file: string) => {
    try {
      return Number(readFileSync(path.join(run, file), 'utf8'));
    } catch {
      return 0; // not running
    }
  };
  // Every supervised service has a .restarts file (infra/lib/supervise.sh); other .pid files
  // there are servers' own (mariadbd.pid), the same processes again.
  const names = readdirSync(run)
    .filter((f) => f.endsWith('.restarts'))
    .map((f) => f.slice(0, -'.restarts'.length))
    .filter((name) => pidOf(`${name}.pid`) > 0)
    .sort();
  for (const name of names) {
    const groups = [pidOf(`${name}.pid`), pidOf(`${name}.child`)].map((pid) => byGroup.get(pid) ?? { rssMb: 0, cpuSeconds: 0 });
    out[name] = { rssMb: groups[0]!.rssMb + groups[1]!.rssMb, cpuSeconds: groups[0]!.cpuSeconds + groups[1]!.cpuSeconds };
  }
  out['load generator'] = selfUsage;
  return out;
}
const CLOCK_TICKS = 100; // getconf CLK_TCK on Linux
const PAGE = 4096;

/** CPU seconds per service between two stackUsage() readings. */
export function cpuBetween(before: Record<string, ProcessUsage>, after: Record<string, ProcessUsage>): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k]!.cpuSeconds - (before[k]?.cpuSeconds ?? 0)]));
}

/** The Authorization header of the benchmarks' own key (API_KEYS entry "bench", its own rate limit). */
export function benchAuth(config: StackConfig): { authorization: string } {
  const key = config.api.keys.find((k) => k.name === 'bench');
  if (!key) throw new Error('API_KEYS has no "bench" key: run make up (it adds the key to .env) and restart the API');
  return { authorization: `Bearer ${key.secret}` };
}
