/**
 * Faults under load: a burst of 10,000 commands over 500 users while projectors or
 * Kafka Connect are killed with SIGKILL and started again. Afterwards the whole
 * verification of `make verify` must find no difference: nothing accepted is lost,
 * nothing is applied twice, in MySQL, Redis and ClickHouse.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../common/src/config.ts';
import { stack } from '../../testing/stack-control.ts';
import { BURST_REFUSALS, burst, type BurstResult } from '../../testing/burst.ts';
import { verifyAll } from '../../tools/verify/verify-all.ts';
import { createShards } from '../../common/src/mysql.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const config = loadConfig();

afterAll(async () => {
  for (const s of ['connect', 'projector-redis', 'projector-clickhouse']) await stack('start', s);
});

/** Restarts under way, per service: a service is killed again only once it is back. */
const restarts = new Map<string, Promise<void>>();
const restartErrors: string[] = [];

/** SIGKILL, a moment down, then started again (in the background: the burst goes on). */
function killAndRestart(service: string, downMs: number, log: string[]): () => Promise<void> {
  return async () => {
    await restarts.get(service);
    await stack('kill', service);
    log.push(`${new Date().toISOString()} killed ${service}`);
    restarts.set(
      service,
      sleep(downMs)
        .then(() => stack('start', service))
        .then(() => {
          log.push(`${new Date().toISOString()} started ${service}`);
        })
        .catch((e: Error) => {
          restartErrors.push(`${service}: ${e.message}`);
        }),
    );
  };
}

async function expectAllAcceptedInMySql(r: BurstResult): Promise<void> {
  const shards = createShards(config, 2);
  try {
    let found = 0;
    for (let i = 0; i < r.eventIds.length; i += 1000) {
      const chunk = r.eventIds.slice(i, i + 1000);
      for (const db of shards.dbs) {
        const [rows] = (await db.raw(`SELECT COUNT(*) AS n FROM point_events WHERE event_id IN (${chunk.map(() => '?').join(',')})`, chunk)) as [
          { n: number }[],
        ];
        found += Number(rows[0]!.n);
      }
    }
    expect(found).toBe(r.eventIds.length);
  } finally {
    await shards.destroy();
  }
}

async function verifyAfter(name: string, r: BurstResult, log: string[]): Promise<void> {
  await Promise.all(restarts.values());
  expect(restartErrors).toEqual([]);
  const report = await verifyAll(config, { readModels: true, waitMs: 180_000 });
  console.log(
    `[${name}] ${r.sent} commands in ${r.seconds.toFixed(1)} s: ${r.accepted} accepted, refused ${JSON.stringify(r.refused)}, ${r.failed} failed\n` +
      `  ${log.join('\n  ')}\n  ${report.lines.join('\n  ')}\n` +
      `  differences: MySQL ${report.mysql.length}, Redis ${report.redis.length}, ClickHouse ${report.clickhouse.length}`,
  );
  expect(r.failed).toBe(0);
  // Every answer was a success or a refusal of the domain (the mix spends more than it grants).
  expect(Object.keys(r.refused).filter((code) => !BURST_REFUSALS.includes(code))).toEqual([]);
  expect(r.accepted).toBeGreaterThan(r.sent / 2);
  await expectAllAcceptedInMySql(r);
  expect(report.idle).toBe(true);
  expect(report.mysql).toEqual([]);
  expect(report.redis).toEqual([]);
  expect(report.clickhouse).toEqual([]);
}

describe('faults under a burst of commands', () => {
  it('projectors killed with SIGKILL (Redis twice, ClickHouse once): nothing lost, nothing applied twice', async () => {
    const log: string[] = [];
    const r = await burst({
      config,
      users: 500,
      commands: 10_000,
      concurrency: 16,
      prefix: 'fault-proj',
      at: {
        2000: killAndRestart('projector-redis', 1500, log),
        4000: killAndRestart('projector-clickhouse', 1500, log),
        6500: killAndRestart('projector-redis', 1500, log),
      },
    });
    await verifyAfter('projectors killed', r, log);
  }, 480_000); // the cluster topology takes longer: two shards, HAProxy, replicated Kafka

  it('Kafka Connect killed with SIGKILL and restarted: nothing lost, nothing applied twice', async () => {
    const log: string[] = [];
    const r = await burst({
      config,
      users: 500,
      commands: 10_000,
      concurrency: 16,
      prefix: 'fault-connect',
      at: { 3000: killAndRestart('connect', 2000, log) },
    });
    await verifyAfter('connect killed', r, log);
  }, 480_000);
});
