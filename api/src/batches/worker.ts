/**
 * The grant batches' worker, one per API instance (ADR 0014). It finds the RUNNING
 * batches on every shard (every GRANT_BATCH_POLL_MS, and at once after a POST on this
 * instance), and runs GRANT_BATCH_CONCURRENCY lanes. A lane claims a chunk of PENDING
 * rows of a batch with a lease (batch-store.ts: FOR UPDATE SKIP LOCKED, claimed_until
 * in the database's clock), runs each row as a grant through the Ledger with the
 * idempotency key `grant-batch:<batchId>:<ref>` of the batch's client, then records
 * the chunk's outcomes and the batch's counts in one transaction.
 *
 * Exactly once: a row's grant is a command with its own idempotency key, so a second run
 * of a row (another instance after the lease ran out, this one after a restart) gets the
 * first grant back from the ledger instead of a second grant; only a PENDING row is
 * counted when recorded. A lease that expired (its instance died) is simply claimable again.
 *
 * Failures: a grant the ledger refuses (a domain rule, the key) makes the row FAILED with
 * its code; any other error (a shard that does not answer) leaves the row PENDING, free
 * again after a backoff. A shard that fails while polling, claiming or recording is
 * logged, counted and backed off; the worker never stops for it.
 *
 * stop(): lanes finish the row in flight, record what they did and release the rest of
 * their chunk, within STOP_WAIT_MS; whatever stays claimed is free when its lease ends.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Shards } from '../../../common/src/mysql.ts';
import { backoffMs } from '../../../common/src/retry.ts';
import { requestHash } from '../http/idempotency.ts';
import type { Ledger } from '../ledger/ledger.ts';
import { LedgerError } from '../ledger/ledger-error.ts';
import { DomainError } from '../points/errors.ts';
import { grantAnswer } from '../routes/command-answers.ts';
import { claimRows, finishRows, runningBatches, type ClaimedRow, type RowOutcome, type RunningBatch } from './batch-store.ts';
import { grantCommandOf } from './grant-row.ts';

export interface BatchWorkerSettings {
  /** Lanes, each with at most one grant in flight; 0: no worker in this process. */
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  /** Rows a lane claims at once. */
  chunkRows: number;
}

export interface BatchWorkerDeps {
  shards: Shards;
  ledger: Ledger;
  settings: BatchWorkerSettings;
  /** This process among the API's instances (config.instance); the worker's id adds a random part. */
  instance: string;
  log: FastifyBaseLogger;
  metrics: Registry;
  /** The app's clock: a row's grant is made at its run's time, as a grant sent then. */
  clock: () => number;
}

const PROGRESS_EVERY_MS = 5000;
const STOP_WAIT_MS = 15_000;
/** A row whose grant could not run (a shard did not answer) waits this long before anyone tries it again. */
const RETRY_ROW_MS = 2000;
const SHARD_BACKOFF = { initialMs: 500, maxMs: 30_000 };

/** The idempotency key of a row's grant: the same for every run of the row, whoever runs it. */
export const rowKey = (batchId: string, ref: string) => `grant-batch:${batchId}:${ref}`;

/** The request a row's grant stands for, for its idempotency hash: the row as stored, nothing of the run. */
export const rowHash = (batchId: string, row: ClaimedRow) => requestHash('POST', `/v1/points/grant-batches/${batchId}/rows/${row.ref}`, row.grant);

interface Work {
  shard: number;
  batch: RunningBatch;
  rows: ClaimedRow[];
}

interface Progress {
  lastLogAt: number;
  rowsSinceLog: number;
}

export class GrantBatchWorker {
  /** This worker's name in claimed_by and run_by. */
  readonly id: string;
  private readonly deps: BatchWorkerDeps;
  private stopping = false;
  private started = false;
  private loops: Promise<void>[] = [];
  private running: { shard: number; batch: RunningBatch }[] = [];
  private next = 0;
  private readonly sleepers = new Set<() => void>();
  /** Per shard: failures in a row, and no call before this time. */
  private readonly shardState = new Map<number, { failures: number; until: number }>();
  private readonly progress = new Map<string, Progress>();
  private readonly rowsTotal: Counter<'outcome'>;
  private readonly errorsTotal: Counter<'shard' | 'stage'>;
  private readonly inFlight: Gauge;
  private readonly batchesRunning: Gauge;
  private pollNow = false;

  constructor(deps: BatchWorkerDeps) {
    this.deps = deps;
    this.id = `${deps.instance}/${randomUUID().slice(0, 8)}`.slice(0, 100);
    const registers = [deps.metrics];
    this.rowsTotal = new Counter({
      name: 'grant_batch_rows_total',
      help: 'Grant batch rows run by this instance: done (granted now), replayed (granted by an earlier run), failed (refused), retried (a shard did not answer)',
      labelNames: ['outcome'],
      registers,
    });
    this.errorsTotal = new Counter({
      name: 'grant_batch_worker_errors_total',
      help: "The batch worker's failed calls to a shard, by stage (poll, claim, finish)",
      labelNames: ['shard', 'stage'],
      registers,
    });
    this.inFlight = new Gauge({ name: 'grant_batch_rows_in_flight', help: 'Batch rows this instance holds claimed and not yet recorded', registers });
    this.batchesRunning = new Gauge({ name: 'grant_batches_running', help: 'RUNNING batches this instance saw at its last poll', registers });
  }

  start(): void {
    if (this.started || this.deps.settings.concurrency === 0) return;
    this.started = true;
    this.loops = [this.pollLoop(), ...Array.from({ length: this.deps.settings.concurrency }, () => this.lane())];
    this.deps.log.info({ worker: this.id, ...this.deps.settings }, 'grant batch worker started');
  }

  /** A batch was just accepted: look for it now rather than at the next poll. */
  nudge(): void {
    this.pollNow = true;
    this.wakeAll();
  }

  async stop(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    this.wakeAll();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), STOP_WAIT_MS);
    });
    const result = await Promise.race([Promise.all(this.loops).then(() => 'stopped' as const), timeout]);
    clearTimeout(timer);
    this.deps.log.info({ worker: this.id, result }, 'grant batch worker stopped');
  }

  // ---------------------------------------------------------------- finding batches

  private async pollLoop(): Promise<void> {
    while (!this.stopping) {
      await this.poll();
      if (!this.pollNow) await this.sleep(this.deps.settings.pollMs);
      this.pollNow = false;
    }
  }

  private async poll(): Promise<void> {
    const found: { shard: number; batch: RunningBatch }[] = [];
    await Promise.all(
      this.deps.shards.dbs.map(async (db, shard) => {
        if (!this.shardReady(shard)) return;
        try {
          for (const batch of await runningBatches(db)) found.push({ shard, batch });
          this.shardOk(shard);
        } catch (e) {
          this.shardFailed(shard, 'poll', e);
        }
      }),
    );
    const hadWork = this.running.length > 0;
    this.running = found;
    this.batchesRunning.set(found.length);
    if (found.length > 0 && !hadWork) this.wakeAll();
  }

  // ---------------------------------------------------------------- lanes

  private async lane(): Promise<void> {
    while (!this.stopping) {
      let work: Work | undefined;
      try {
        work = await this.claim();
      } catch (e) {
        this.deps.log.error({ err: e }, 'grant batch lane: unexpected error while claiming');
      }
      if (!work) {
        await this.sleep(this.deps.settings.pollMs);
        continue;
      }
      const outcomes = await this.runRows(work);
      await this.finish(work, outcomes);
      if (outcomes.every((o) => o.kind === 'release') && !this.stopping) await this.sleep(RETRY_ROW_MS);
    }
  }

  /** A chunk of some running batch's rows (round robin over the batches), or undefined when none is free. */
  private async claim(): Promise<Work | undefined> {
    const batches = this.running;
    for (let i = 0; i < batches.length && !this.stopping; i++) {
      const { shard, batch } = batches[(this.next++ + i) % batches.length]!;
      if (!this.shardReady(shard)) continue;
      try {
        const { chunkRows, leaseMs } = this.deps.settings;
        const rows = await claimRows(this.deps.shards.db(shard), batch.batchId, this.id, chunkRows, leaseMs);
        this.shardOk(shard);
        if (rows.length > 0) {
          this.inFlight.inc(rows.length);
          return { shard, batch, rows };
        }
      } catch (e) {
        this.shardFailed(shard, 'claim', e);
      }
    }
    return undefined;
  }

  /** Each row's grant, one after the other; once stopping, the rows not started are released. */
  private async runRows(work: Work): Promise<RowOutcome[]> {
    const outcomes: RowOutcome[] = [];
    for (const row of work.rows) {
      if (this.stopping) {
        outcomes.push({ ref: row.ref, kind: 'release', retryMs: 0 });
        continue;
      }
      outcomes.push(await this.runRow(work.batch, row));
    }
    return outcomes;
  }

  private async runRow(batch: RunningBatch, row: ClaimedRow): Promise<RowOutcome> {
    const { ledger } = this.deps;
    const grantId = ledger.shards.newIdFor({ userId: row.grant.userId });
    try {
      const r = await ledger.execute({
        idempotency: { client: batch.client, key: rowKey(batch.batchId, row.ref), requestHash: rowHash(batch.batchId, row) },
        target: { userId: row.grant.userId },
        // The clock of the run, as for a grant sent now: validDays counts from it.
        build: () => grantCommandOf(row.grant, grantId, this.deps.clock()),
        respond: grantAnswer(grantId),
      });
      this.rowsTotal.inc({ outcome: r.replayed ? 'replayed' : 'done' });
      return { ref: row.ref, kind: 'done', grantId: r.body.grantId };
    } catch (e) {
      if (e instanceof DomainError || e instanceof LedgerError) {
        this.rowsTotal.inc({ outcome: 'failed' });
        return { ref: row.ref, kind: 'failed', code: e.code, message: e.message };
      }
      this.rowsTotal.inc({ outcome: 'retried' });
      this.deps.log.warn(
        { batchId: batch.batchId, ref: row.ref, userId: row.grant.userId, err: (e as Error).message },
        'grant batch row not run; it is tried again later',
      );
      return { ref: row.ref, kind: 'release', retryMs: RETRY_ROW_MS };
    }
  }

  /** Records the outcomes; retried with backoff while the batch's shard does not answer (not beyond the lease: then the rows are free anyway). */
  private async finish(work: Work, outcomes: RowOutcome[]): Promise<void> {
    const { shard, batch } = work;
    const giveUpAt = Date.now() + this.deps.settings.leaseMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const f = await finishRows(this.deps.shards.db(shard), batch.batchId, this.id, outcomes);
        this.shardOk(shard);
        this.reportProgress(batch.batchId, outcomes, f);
        break;
      } catch (e) {
        this.shardFailed(shard, 'finish', e);
        const delay = backoffMs(attempt, SHARD_BACKOFF);
        if (this.stopping || Date.now() + delay > giveUpAt) {
          this.deps.log.warn(
            { batchId: batch.batchId, rows: outcomes.length },
            'grant batch rows not recorded; they are run again (and replayed) once their lease ends',
          );
          break;
        }
        await this.sleep(delay, true);
      }
    }
    this.inFlight.dec(work.rows.length);
  }

  private reportProgress(batchId: string, outcomes: RowOutcome[], f: Awaited<ReturnType<typeof finishRows>>): void {
    const now = Date.now();
    const p = this.progress.get(batchId) ?? { lastLogAt: now, rowsSinceLog: 0 };
    this.progress.set(batchId, p);
    p.rowsSinceLog += outcomes.filter((o) => o.kind !== 'release').length;
    if (f.finishedNow) {
      const seconds = (now - f.createdAt.getTime()) / 1000;
      this.deps.log.info(
        {
          batchId,
          total: f.total,
          done: f.done,
          failed: f.failed,
          seconds: Number(seconds.toFixed(1)),
          rowsPerSecond: Math.round(f.total / Math.max(seconds, 0.001)),
        },
        'grant batch done',
      );
      this.progress.delete(batchId);
    } else if (now - p.lastLogAt >= PROGRESS_EVERY_MS) {
      const rate = (p.rowsSinceLog * 1000) / (now - p.lastLogAt);
      this.deps.log.info(
        { batchId, done: f.done, failed: f.failed, total: f.total, rowsPerSecondHere: Math.round(rate), worker: this.id },
        `grant batch progress: ${f.done + f.failed}/${f.total}`,
      );
      p.lastLogAt = now;
      p.rowsSinceLog = 0;
    }
  }

  // ---------------------------------------------------------------- shards, sleeping

  private shardReady(shard: number): boolean {
    return (this.shardState.get(shard)?.until ?? 0) <= Date.now();
  }

  private shardOk(shard: number): void {
    const s = this.shardState.get(shard);
    if (s && s.failures > 0) this.deps.log.info({ shard: shard + 1, worker: this.id }, 'grant batch worker: the shard answers again');
    this.shardState.delete(shard);
  }

  private shardFailed(shard: number, stage: string, e: unknown): void {
    const s = this.shardState.get(shard) ?? { failures: 0, until: 0 };
    const delay = backoffMs(s.failures, SHARD_BACKOFF);
    // Said once when the shard starts failing, then every 10th failure: the log stays readable during an outage.
    if (s.failures % 10 === 0) {
      this.deps.log.warn(
        { shard: shard + 1, stage, failures: s.failures + 1, retryInMs: Math.round(delay), err: (e as Error).message },
        'grant batch worker: a shard did not answer',
      );
    }
    this.shardState.set(shard, { failures: s.failures + 1, until: Date.now() + delay });
    this.errorsTotal.inc({ shard: String(shard + 1), stage });
  }

  /** Waits `ms`, or less when woken (a nudge, stop); `whileStopping` also sleeps once stopping (a retry before giving up). */
  private sleep(ms: number, whileStopping = false): Promise<void> {
    if (this.stopping && !whileStopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.sleepers.add(done);
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }
}
