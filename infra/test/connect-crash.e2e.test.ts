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

    const ids = new Set(written.map((r) => r.id));
    const mineOf = (rec: Received[]) => rec.filter((m) => m.headers.id !== undefined && ids.has(m.headers.id));
    const received = mineOf(
      await collect(topic, from, (rec) => new Set(mineOf(rec).map((m) => m.headers.id)).size >= ids.size, 150_000),
    );
    const unique = new Set(received.map((m) => m.headers.id));
    const missing = written.filter((r) => !unique.has(r.id)).map((r) => r.id);
    const duplicates = received.length - unique.size;
    console.log(
      `[connect-crash] ${tx} transactions, ${written.length} rows written (${whileDown} while Connect was down); ` +
        `${received.length} messages received, ${unique.size} unique, ${duplicates} duplicates, ${missing.length} missing`,
    );
    expect(missing).toEqual([]);
    expect(whileDown).toBeGreaterThan(0);

    // First deliveries per key keep the commit order, duplicates or not.
    for (const user of users) {
      const seen = new Set<string>();
      const firsts = received.filter((m) => m.key === user && !seen.has(m.headers.id!) && seen.add(m.headers.id!));
      expect(firsts.map((m) => m.headers.id)).toEqual(written.filter((r) => r.aggregateid === user).map((r) => r.id));
    }

    // The worker picked its connector and task up again by itself.
    const status = await new ConnectClient(cfg.connect.url).status('points-outbox');
    expect(isRunning(status)).toBe(true);
  });
});
