/**
 * The benchmarks' closed-loop load runner and percentiles, and the commands bench's mix.
 * Here rather than in bench/ because two sides measure with them: bench/ (every
 * benchmark) and the API's own ledger phase (api/bench/ledger-phase.ts, run by
 * bench/commands.ts as a child process), which may not import bench/ (ADR 0009).
 */

export interface LoadResult {
  name: string;
  ops: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Runs `op` from `concurrency` loops for `seconds`, printing progress every second.
 * `op` gets the operation's number and its loop's (0..concurrency-1); it returns false
 * for an answer that counts as an error.
 */
export async function runLoad(name: string, concurrency: number, seconds: number, op: (i: number, worker: number) => Promise<boolean>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let lastPrint = start;
  let lastCount = 0;
  const worker = async (w: number) => {
    while (performance.now() < end) {
      const i = n++;
      const t = performance.now();
      let ok = false;
      try {
        ok = await op(i, w);
      } catch {
        ok = false;
      }
      const now = performance.now();
      latencies.push(now - t);
      if (!ok) errors++;
      if (now - lastPrint >= 1000) {
        process.stdout.write(
          `  ${name}: ${Math.round(((latencies.length - lastCount) * 1000) / (now - lastPrint))}/s, ${latencies.length} done, ${errors} errors\n`,
        );
        lastPrint = now;
        lastCount = latencies.length;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const secs = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const r: LoadResult = {
    name,
    ops: latencies.length,
    errors,
    seconds: Number(secs.toFixed(2)),
    perSecond: Math.round(latencies.length / secs),
    p50Ms: Number(percentile(latencies, 50).toFixed(2)),
    p99Ms: Number(percentile(latencies, 99).toFixed(2)),
    maxMs: Number((latencies[latencies.length - 1] ?? 0).toFixed(2)),
  };
  console.log(`${name}: ${r.perSecond}/s over ${r.seconds}s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.errors} errors`);
  return r;
}

// --- The commands bench's mix (bench/commands.ts, every phase)

/** The users of a phase of the commands bench: `bench-<run>-<phase>-<i>`. */
export const benchUsers = (run: string, phase: string, count: number): string[] => Array.from({ length: count }, (_, i) => `bench-${run}-${phase}-${i}`);

/**
 * 60% uses of 1..50 points, 30% grants of 100..1000, 10% cancellations of a recent use
 * (all of what is left of it). Users are seeded with 1,000,000 points first.
 */
export type Pick = { kind: 'use' | 'grant' | 'cancel'; amount: number };
export const pick = (i: number): Pick => {
  const slot = i % 10;
  return slot < 6 ? { kind: 'use', amount: 1 + (i % 50) } : slot < 9 ? { kind: 'grant', amount: 100 + (i % 900) } : { kind: 'cancel', amount: 0 };
};
/** The grant every user is seeded with. */
export const seedGrant: Pick = { kind: 'grant', amount: 1_000_000 };

/** Uses not cancelled yet, per phase: a cancellation takes the oldest. */
export class RecentUses {
  private ids: string[] = [];
  private head = 0;
  add(id: string): void {
    this.ids.push(id);
  }
  take(): string | undefined {
    if (this.head >= this.ids.length) return undefined;
    const id = this.ids[this.head++];
    if (this.head > 10_000) {
      this.ids = this.ids.slice(this.head);
      this.head = 0;
    }
    return id;
  }
}

/** Seeds every user with one large grant, `width` at a time. */
export async function seedUsers(name: string, list: string[], width: number, op: (worker: number, userId: string) => Promise<unknown>): Promise<void> {
  console.log(`seeding ${list.length} ${name} users...`);
  for (let i = 0; i < list.length; i += width) await Promise.all(list.slice(i, i + width).map((u, w) => op(w, u)));
}
