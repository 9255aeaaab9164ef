/** Test support: write outbox rows the way the API does (insert, then delete, in one transaction). */
import { randomBytes, randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { loadConfig } from '../common/src/config.ts';

export interface OutboxRow {
  id: string;
  aggregateid: string;
  type: string;
  payload: Buffer;
}

export function appPool(): mysql.Pool {
  const c = loadConfig().mysql;
  return mysql.createPool({
    host: c.host,
    port: c.port,
    user: c.app.user,
    password: c.app.password,
    database: c.database,
    connectionLimit: 4,
  });
}

export function makeRow(aggregateid: string, size = 64): OutboxRow {
  // Random bytes, including 0x00 and non-UTF-8 sequences: the payload must pass untouched.
  const payload = Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), randomBytes(size)]);
  return { id: randomUUID(), aggregateid, type: 'TEST_EVENT', payload };
}

/** Inserts the rows and deletes them again, in one transaction. */
export async function writeAndDelete(pool: mysql.Pool, rows: OutboxRow[]): Promise<void> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    for (const r of rows) {
      await conn.query('INSERT INTO point_event_outbox (id, aggregatetype, aggregateid, type, payload) VALUES (?, ?, ?, ?, ?)', [
        r.id,
        // The topic the connector routes the row to (connect/README.md): the point events'.
        loadConfig().kafka.pointsTopic,
        r.aggregateid,
        r.type,
        r.payload,
      ]);
    }
    await conn.query(
      `DELETE FROM point_event_outbox WHERE id IN (${rows.map(() => '?').join(',')})`,
      rows.map((r) => r.id),
    );
    await conn.commit();
  } catch (e) {
    await conn.rollback();
    throw e;
  } finally {
    conn.release();
  }
}
