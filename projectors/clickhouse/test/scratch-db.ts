/** Test support: a scratch ClickHouse database per test file, with the read model's schema. */
import { randomUUID } from 'node:crypto';
import { ClickHouse } from '../../../common/src/clickhouse.ts';
import { loadConfig } from '../../../common/src/config.ts';
import { onEveryServer } from '../client.ts';
import { dropDatabase, ensureDatabase, ensureSchema, localEventsTable } from '../schema.ts';

export interface ScratchDatabase {
  name: string;
  /** The writer, bound to the scratch database (the entry server). */
  ch: ClickHouse;
  /** The table that holds the rows on each server: `events` (single) or `events_local` (cluster). */
  localTable: string;
  /** Runs a statement on every server's copy of the database (SYSTEM STOP MERGES, ...). */
  onEveryServer: (sql: string) => Promise<void>;
  drop: () => Promise<void>;
}

/**
 * A database of its own for one test file, with the read model's schema (on every server
 * in cluster, `events` the Distributed table): hand-made events never reach the real
 * model (where `make verify` compares with MySQL).
 */
export async function scratchDatabase(): Promise<ScratchDatabase> {
  const config = loadConfig();
  const name = `points_test_${Date.now()}_${randomUUID().slice(0, 8)}`;
  await ensureDatabase(config, name);
  await ensureSchema(config, name);
  const ch = new ClickHouse(config.clickhouse.url, config.clickhouse.writer, name);
  return {
    name,
    ch,
    localTable: localEventsTable(config),
    onEveryServer: (sql) => onEveryServer(config, name, (node) => node.exec(sql)),
    drop: () => dropDatabase(config, name),
  };
}
