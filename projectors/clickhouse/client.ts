/** The ClickHouse clients of the read model: the writer (projector, rebuilds) or the read-only analyst (API, charts). */
import { ClickHouse } from '../../common/src/clickhouse.ts';
import type { StackConfig } from '../../common/src/config.ts';

export type ClickHouseRole = 'writer' | 'analyst';

/** A client of the entry server: every read and insert (in cluster through the Distributed table). */
export function clickhouseFrom(config: StackConfig, as: ClickHouseRole, database = config.clickhouse.database): ClickHouse {
  return new ClickHouse(config.clickhouse.url, config.clickhouse[as], database);
}

/**
 * Runs `fn` with a writer client of every server in turn (one in single, one per shard in
 * cluster): what a Distributed table does not do for us, DDL and TRUNCATE (ADR 0012).
 */
export async function onEveryServer(config: StackConfig, database: string, fn: (ch: ClickHouse, url: string) => Promise<void>): Promise<void> {
  for (const url of config.clickhouse.nodes) {
    const ch = new ClickHouse(url, config.clickhouse.writer, database);
    try {
      await fn(ch, url);
    } finally {
      await ch.close();
    }
  }
}
