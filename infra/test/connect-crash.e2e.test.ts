/**
 * Kafka Connect killed with SIGKILL while rows are being written, then started
 * again: every row still arrives (at-least-once; duplicates are counted, not failed).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Pool } from 'mysql2/promise';
import { loadConfig } from '../../common/src/config.ts';
import { collect, endOffsets, type Received } from '../../testing/kafka.ts';
import { appPool, makeRow, writeAndDelete, type OutboxRow } from '../../testing/outbox.ts';
import { stack } from '../../testing/stack-control.ts';
import { ConnectClient, isRunning } from '../scripts/connectors.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const cfg = loadConfig();
const topic = cfg.kafka.pointsTopic;
let pool: Pool | undefined;

afterAll(async () => {
  await pool?.end();
  await stack('start', 'connect'); // leave the stack as we found it, even after a failure
});

describe('Kafka Connect crash', () => {
  it('SIGKILL while writing, then restart: no row is lost', async () => {
    pool = appPool();
    const from = await endOffsets(topic);
    const run = randomUUID().slice(0, 8);
    const users = Array.from({ length: 20 }, (_, i) => `crash-${run}-user${i}`);
    const written: OutboxRow[] = [];
    let writing = true;
    let tx = 0;

    const writer = (async () => {
      while (writing) {
        const rows = Array.from({ length: 1 + (tx % 3) }, (_, i) => makeRow(users[(tx + i * 7) % users.length]!, 100));
        await writeAndDelete(pool!, rows);
        written.push(...rows);
        tx++;
        await sleep(2);
      }
    })();

    await sleep(3000);
    const beforeKill = written.length;
    await stack('kill', 'connect');
    await sleep(2000);
    const whileDown = written.length - beforeKill;
    await stack('start', 'connect');
    await sleep(3000);
    writing = false;
    await writer;

    // The workers pick the connector and its task up again by themselves (a JVM start,
    // then in the cluster topology the delayed rebalance of lost tasks).
    const connect = new ConnectClient(cfg.connect.url);
    const t0 = Date.now();
    let status = await connect.status('points-outbox').catch(() => undefined);
    while (!(status && isRunning(status)) && Date.now() - t0 < 180_000) {
      await sleep(1000);
      status = await connect.status('points-outbox').catch(() => undefined);
    }
    console.log(`[connect-crash] connector running again ${Math.round((Date.now() - t0) / 1000)} s after the writes stopped`);
    expect(status && isRunning(status)).toBe(true);

    const ids = new Set(written.map((r) => r.id));
    const mineOf = (rec: Received[]) => rec.filter((m) => m.headers.id !== undefined && ids.has(m.headers.id));
    const received = mineOf(await collect(topic, from, (rec) => new Set(mineOf(rec).map((m) => m.headers.id)).size >= ids.size, 240_000));
    const unique = new Set(received.map((m) => m.headers.id));
    const missing = written.filter((r) => !unique.has(r.id)).map((r) => r.id);
    const duplicates = received.length - unique.size;
    // Where the missing rows sit in the write order tells a late stream (the last rows)
    // from a lost stretch (rows around the kill).
    const at = new Map(written.map((r, i) => [r.id, i]));
    const where = missing.length ? `; missing rows at write positions ${at.get(missing[0]!)}..${at.get(missing.at(-1)!)} of ${written.length}` : '';
    console.log(
      `[connect-crash] ${tx} transactions, ${written.length} rows written (${whileDown} while Connect was down, from position ${beforeKill}); ` +
        `${received.length} messages received, ${unique.size} unique, ${duplicates} duplicates, ${missing.length} missing${where}`,
    );
    expect(missing.length).toBe(0);
    expect(whileDown).toBeGreaterThan(0);

    // First deliveries per key keep the commit order, duplicates or not.
    for (const user of users) {
      const seen = new Set<string>();
      const firsts = received.filter((m) => m.key === user && !seen.has(m.headers.id!) && seen.add(m.headers.id!));
      expect(firsts.map((m) => m.headers.id)).toEqual(written.filter((r) => r.aggregateid === user).map((r) => r.id));
    }
  }, 420_000);
});
