/**
 * Fault scenarios under a steady command load: a burst of commands, one fault in the
 * middle, then everything `make verify` checks. Used by `make chaos` (run-chaos.ts)
 * and, in a short form, by chaos.e2e.test.ts.
 */
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { StackConfig } from '../../common/src/config.ts';
import { stack } from '../../common/src/stack-control.ts';
import { burst, type BurstResult } from '../../common/src/testing/burst.ts';
import { verifyAll } from '../../api/src/verify/verify-all.ts';
import { createDb } from '../../api/src/ledger/db.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kill = (service: string, downMs: number) => async () => { await stack('kill', service); await sleep(downMs); await stack('start', service); };
const stopStart = (service: string, downMs: number) => async () => { await stack('stop', service); await sleep(downMs); await stack('start', service); };

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
  const db = createDb(config, 2);
  try {
    let n = 0;
    for (let i = 0; i < users.length; i += 500) {
      const chunk = users.slice(i, i + 500);
      const [rows] = (await db.raw(`SELECT COUNT(*) AS n FROM point_events WHERE user_id IN (${chunk.map(() => '?').join(',')})`, chunk)) as [{ n: number }[]];
      n += Number(rows[0]!.n);
    }
    return n;
  } finally {
    await db.destroy();
  }
}

export interface ChaosRow {
  scenario: string; commands: number; accepted: number; refused: number; failed: number;
  eventsWritten: number; differences: number; idle: boolean; seconds: number; error?: string;
}

/** One scenario: the burst, the fault a quarter of the way in, then the verification. */
export async function runScenario(config: StackConfig, name: string, commands: number): Promise<ChaosRow> {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`no chaos scenario "${name}"`);
  const t0 = Date.now();
  let r: BurstResult | undefined;
  let error: string | undefined;
  let faultDone: Promise<void> = Promise.resolve();
  try {
    r = await burst({
      config, users: 200, commands, concurrency: 8, prefix: `chaos-${s.name.replace(/[^a-z]+/gi, '-')}`,
      at: { [Math.floor(commands / 4)]: async () => { faultDone = s.fault(config).catch((e: Error) => { error = `fault: ${e.message}`; }); } },
    });
    await faultDone;
  } catch (e) {
    error = (e as Error).message;
  }
  const report = await verifyAll(config, { readModels: true, waitMs: 180_000 });
  return {
    scenario: s.name,
    commands,
    accepted: r?.accepted ?? 0,
    refused: r ? Object.values(r.refused).reduce((a, b) => a + b, 0) : 0,
    failed: r?.failed ?? 0,
    eventsWritten: r ? await eventsOf(config, r.users) : 0,
    differences: report.mysql.length + report.redis.length + report.clickhouse.length,
    idle: report.idle === true,
    seconds: Math.round((Date.now() - t0) / 1000),
    ...(error ? { error } : {}),
  };
}

export const rowFailed = (r: ChaosRow) => r.differences > 0 || !r.idle || r.failed > 0 || r.eventsWritten < r.accepted || !!r.error;
