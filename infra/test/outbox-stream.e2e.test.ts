/**
 * The outbox connector end to end: rows written to point_event_outbox (inserted and
 * deleted in the same transaction, as the API does) reach points.events through
 * MariaDB's binlog, Debezium and the Outbox Event Router, byte for byte.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { loadConfig } from '../../common/src/config.ts';
import { collect, endOffsets, type Received } from '../../testing/kafka.ts';
import { appPool, makeRow, writeAndDelete, type OutboxRow } from '../../testing/outbox.ts';

const cfg = loadConfig();
const topic = cfg.kafka.pointsTopic;
let pool: Pool | undefined;
afterAll(async () => pool?.end());

describe('outbox -> Debezium -> points.events', () => {
  it('delivers every row once with the exact payload bytes, key = aggregateid, the id header, in order per key', async () => {
    pool = appPool();
    const from = await endOffsets(topic);
    const run = randomUUID().slice(0, 8);
    const users = Array.from({ length: 8 }, (_, i) => `e2e-${run}-user${i}`);

    const written: OutboxRow[] = [];
    for (let tx = 0; tx < 25; tx++) {
      const rows = Array.from({ length: 1 + (tx % 4) }, (_, i) => makeRow(users[(tx * 3 + i) % users.length]!, 16 + ((tx * 37 + i) % 400)));
      await writeAndDelete(pool, rows);
      written.push(...rows);
    }

    // Nothing stays in the outbox: the rows were deleted in their own transaction.
    const [left] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM point_event_outbox WHERE aggregateid LIKE ?`, [`e2e-${run}-%`]);
    expect(Number(left[0]!.n)).toBe(0);

    const mineOf = (rec: Received[]) => rec.filter((m) => m.key !== null && users.includes(m.key));
    const received = mineOf(await collect(topic, from, (rec) => mineOf(rec).length >= written.length, 60_000));

    // Exactly one message per row: the DELETE produced neither an event nor a tombstone.
    expect(received.length).toBe(written.length);
    const byId = new Map(received.map((m) => [m.headers.id, m]));
    for (const row of written) {
      const m = byId.get(row.id);
      expect(m, `row ${row.id} arrived`).toBeDefined();
      expect(m!.key).toBe(row.aggregateid);
      expect(m!.value).not.toBeNull();
      expect(Buffer.compare(m!.value!, row.payload), `payload of ${row.id} is byte-identical`).toBe(0);
      expect(m!.headers.eventType).toBe(row.type);
    }

    // Per key: one partition, and the order in which the rows were committed.
    for (const user of users) {
      const got = received.filter((m) => m.key === user);
      expect(new Set(got.map((m) => m.partition)).size).toBe(1);
      expect(got.map((m) => m.headers.id)).toEqual(written.filter((r) => r.aggregateid === user).map((r) => r.id));
    }
  });
});
