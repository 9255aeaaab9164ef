/** Test support: a scratch ClickHouse database per test file, with the read model's schema. */
import { randomUUID } from 'node:crypto';
import { ClickHouse } from '../../../common/src/clickhouse.ts';
import { loadConfig } from '../../../common/src/config.ts';
import { ensureDatabase, ensureSchema } from '../schema.ts';

export interface ScratchDatabase {
  name: string;
  /** The writer, bound to the scratch database. */
  ch: ClickHouse;
  drop: () => Promise<void>;
}

/**
 * A database of its own for one test file, with the read model's schema: hand-made
 * events never reach the real model (where `make verify` compares with MySQL).
 */
export async function scratchDatabase(): Promise<ScratchDatabase> {
  const config = loadConfig();
  const name = `points_test_${Date.now()}_${randomUUID().slice(0, 8)}`;
  await ensureDatabase(config, name);
  const ch = new ClickHouse(config.clickhouse.url, config.clickhouse.writer, name);
  await ensureSchema(ch);
  const admin = new ClickHouse(config.clickhouse.url, config.clickhouse.writer, 'default');
  return { name, ch, drop: () => admin.exec(`DROP DATABASE IF EXISTS ${name}`) };
}
