/**
 * Fault scenarios under a steady command load: a burst of commands, one fault in the
 * middle, then everything `make verify` checks. Used by `make chaos` (run-chaos.ts)
 * and, in a short form, by chaos.e2e.test.ts.
 */
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { StackConfig } from '../../common/src/config.ts';
import { createRedis } from '../../common/src/redis.ts';
import { stack } from '../../testing/stack-control.ts';
import { burst, type BurstResult } from '../../testing/burst.ts';
import { verifyAll } from '../verify/verify-all.ts';
import { createShards } from '../../common/src/mysql.ts';
import { quote } from '../../common/src/clickhouse.ts';
import { clickhouseFrom } from '../../projectors/clickhouse/analytics.ts';
import { userKeys } from '../../projectors/redis/keys.ts';
import { readStatus } from '../../projectors/shared/status.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLUSTER_SCENARIOS } from './cluster-scenarios.ts';
import { startStallMeter } from './stall-meter.ts';
import { batchInMysql, planBatch, submitBatch, waitForBatch } from '../../testing/grant-batch.ts';

const kill = (service: string, downMs: number) => async () => {
  await stack('kill', service);
  await sleep(downMs);
  await stack('start', service);
};
const stopStart = (service: string, downMs: number) => async () => {
  await stack('stop', service);
  await sleep(downMs);
  await stack('start', service);
};

async function poisonBurst(config: StackConfig): Promise<void> {
  const producer = new Kafka({ clientId: 'chaos', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  await producer.send({
    topic: config.kafka.pointsTopic,
    messages: Array.from({ length: 200 }, (_, i) => ({ key: `chaos-poison-${i % 20}`, value: Buffer.from(`undecodable ${randomUUID()}`) })),
  });
  await producer.disconnect();
}

export const SCENARIOS: { name: string; fault: (config: StackConfig) => Promise<void> }[] = [
  { name: 'SIGKILL projector-redis', fault: kill('projector-redis', 1000) },
  { name: 'SIGKILL projector-clickhouse', fault: kill('projector-clickhouse', 1000) },
  { name: 'SIGKILL connect', fault: kill('connect', 2000) },
  { name: 'SIGKILL kafka', fault: kill('kafka', 2000) },
  { name: 'SIGKILL api', fault: kill('api', 500) },
  { name: 'stop/start mariadb', fault: stopStart('mariadb', 2000) },
  { name: 'stop/start redis', fault: stopStart('redis', 2000) },
  { name: 'stop/start clickhouse', fault: stopStart('clickhouse', 2000) },
  { name: '200 undecodable messages', fault: poisonBurst },
];

async function eventsOf(config: StackConfig, users: string[]): Promise<number> {
  const shards = createShards(config, 2);
  try {
    let n = 0;
    for (let i = 0; i < users.length; i += 500) {
      const chunk = users.slice(i, i + 500);
      for (const db of shards.dbs) {
        const [rows] = (await db.raw(`SELECT COUNT(*) AS n FROM point_events WHERE user_id IN (${chunk.map(() => '?').join(',')})`, chunk)) as [
          { n: number }[],
        ];
        n += Number(rows[0]!.n);
      }
    }
    return n;
  } finally {
    await shards.destroy();
  }
}

/** The scenario's events each read model holds: Redis by the users' seq, ClickHouse by count. */
async function projectedOf(config: StackConfig, users: string[]): Promise<{ redis: number; clickhouse: number }> {
  const redis = createRedis(config);
  const ch = clickhouseFrom(config, 'analyst');
  try {
    // One HGET per user (one slot each), in runs of 500 at once: no pipeline across slots.
    const seqs: number[] = [];
    for (let i = 0; i < users.length; i += 500) {
      for (const v of await Promise.all(users.slice(i, i + 500).map((u) => redis.hget(userKeys(u).wallet, 'seq')))) seqs.push(Number(v ?? 0));
    }
    let clickhouse = 0;
    for (let i = 0; i < users.length; i += 500) {
      const [row] = await ch.query<{ n: string }>(
        `SELECT count() AS n FROM events FINAL WHERE userId IN (${users
          .slice(i, i + 500)
          .map(quote)
          .join(',')})`,
      );
      clickhouse += Number(row?.n ?? 0);
    }
    return { redis: seqs.reduce((a, b) => a + b, 0), clickhouse };
  } finally {
    redis.disconnect();
    await ch.close();
  }
}

/** Duplicates each projector has skipped so far (counted across restarts, projectors/shared/status.ts). */
async function duplicatesSoFar(config: StackConfig): Promise<{ redis: number; clickhouse: number }> {
  const redis = createRedis(config);
  try {
    const [r, c] = await Promise.all([readStatus(redis, 'redis'), readStatus(redis, 'clickhouse')]);
    return { redis: r?.duplicates ?? 0, clickhouse: c?.duplicates ?? 0 };
  } finally {
    redis.disconnect();
  }
}

/** The scenarios of a topology: the cluster runs its own after the common ones. */
export const scenariosOf = (config: StackConfig) => (config.topology === 'cluster' ? [...SCENARIOS, ...CLUSTER_SCENARIOS] : SCENARIOS);

export interface ChaosRow {
  scenario: string;
  commands: number;
  accepted: number;
  refused: number;
  failed: number;
  eventsWritten: number;
  /** The scenario's events in each read model after the run: equal to eventsWritten. */
  projectedRedis: number;
  projectedClickHouse: number;
  /** Redeliveries the projectors recognised and skipped during the scenario. */
  duplicatesSkippedRedis: number;
  duplicatesSkippedClickHouse: number;
  differences: number;
  idle: boolean;
  /** The longest time each projector group had messages to apply and committed none (stall-meter.ts). */
  stallSecondsRedis: number;
  stallSecondsClickHouse: number;
  seconds: number;
  /** The grant batch that ran during the scenario: its rows, and the refs MySQL granted exactly once (all of them), twice or never. */
  batchRows: number;
  batchGrantedOnce: number;
  batchGrantedTwice: number;
  batchMissing: number;
  /** Rows per second from the batch's acceptance to DONE. */
  batchRowsPerSecond: number;
  error?: string;
}

/**
 * One scenario: a grant batch of half as many rows as commands sent first (its worker
 * runs in the API, so the fault hits it too), the burst, the fault a quarter of the way
 * in, the batch followed to DONE, then the verification (which then covers the batch's
 * events as well) and the count of the batch's grants per row in MySQL.
 */
export async function runScenario(config: StackConfig, name: string, commands: number): Promise<ChaosRow> {
  const s = [...SCENARIOS, ...CLUSTER_SCENARIOS].find((x) => x.name === name);
  if (!s) throw new Error(`no chaos scenario "${name}"`);
  const t0 = Date.now();
  let r: BurstResult | undefined;
  let error: string | undefined;
  let faultDone: Promise<void> = Promise.resolve();
  const dupsBefore = await duplicatesSoFar(config).catch(() => ({ redis: 0, clickhouse: 0 }));
  const meter = startStallMeter(config, ['projector-redis', 'projector-clickhouse']);
  const plan = planBatch(`chaos-b${s.name.replace(/[^a-z]+/gi, '').slice(0, 8)}`, 100, Math.max(1, Math.floor(commands / 2)));
  let batch: { batchId: string; acceptedAt: number; doneAt?: number } | undefined;
  try {
    const b = await submitBatch(config, plan);
    batch = { batchId: b.batchId, acceptedAt: Date.now() };
  } catch (e) {
    error = `batch: ${(e as Error).message}`;
  }
  try {
    r = await burst({
      config,
      users: 200,
      commands,
      concurrency: 8,
      // User ids are at most 64 characters: the prefix, the run's 8 and the user's number.
      prefix: `chaos-${s.name.replace(/[^a-z]+/gi, '-')}`.slice(0, 40),
      at: {
        [Math.floor(commands / 4)]: async () => {
          faultDone = s.fault(config).catch((e: Error) => {
            error = `fault: ${e.message}`;
          });
        },
      },
    });
    await faultDone;
  } catch (e) {
    error = (e as Error).message;
  }
  if (batch) {
    const done = await waitForBatch(config, batch.batchId, 300_000);
    if (done?.state === 'DONE') batch.doneAt = Date.now();
    else error ??= `batch not done in 300 s (${done ? `${done.done} of ${done.total}` : 'no status'})`;
  }
  const granted = batch ? await batchInMysql(config, plan) : undefined;
  const report = await verifyAll(config, { readModels: true, waitMs: 180_000 });
  const stalls = await meter.stop();
  const dupsAfter = await duplicatesSoFar(config);
  const projected = r ? await projectedOf(config, r.users) : { redis: 0, clickhouse: 0 };
  return {
    scenario: s.name,
    commands,
    accepted: r?.accepted ?? 0,
    refused: r ? Object.values(r.refused).reduce((a, b) => a + b, 0) : 0,
    failed: r?.failed ?? 0,
    eventsWritten: r ? await eventsOf(config, r.users) : 0,
    projectedRedis: projected.redis,
    projectedClickHouse: projected.clickhouse,
    duplicatesSkippedRedis: dupsAfter.redis - dupsBefore.redis,
    duplicatesSkippedClickHouse: dupsAfter.clickhouse - dupsBefore.clickhouse,
    differences: report.mysql.length + report.redis.length + report.clickhouse.length,
    idle: report.idle === true,
    stallSecondsRedis: Math.round((stalls.longestMs['projector-redis'] ?? 0) / 100) / 10,
    stallSecondsClickHouse: Math.round((stalls.longestMs['projector-clickhouse'] ?? 0) / 100) / 10,
    seconds: Math.round((Date.now() - t0) / 1000),
    batchRows: plan.rows.length,
    batchGrantedOnce: granted?.grantedOnce ?? 0,
    batchGrantedTwice: granted?.grantedTwice.length ?? 0,
    batchMissing: granted?.missing.length ?? plan.rows.length,
    batchRowsPerSecond: batch?.doneAt ? Math.round(plan.rows.length / Math.max(0.001, (batch.doneAt - batch.acceptedAt) / 1000)) : 0,
    ...(error ? { error } : {}),
  };
}

export const rowFailed = (r: ChaosRow) =>
  r.differences > 0 ||
  !r.idle ||
  r.failed > 0 ||
  r.eventsWritten < r.accepted ||
  !!r.error ||
  r.projectedRedis !== r.eventsWritten ||
  r.projectedClickHouse !== r.eventsWritten ||
  r.batchGrantedOnce !== r.batchRows ||
  r.batchGrantedTwice > 0;
