/** The ClickHouse clients of the read model: the writer (projector, rebuilds) or the read-only analyst (API, charts). */
import { ClickHouse } from '../../common/src/clickhouse.ts';
import type { StackConfig } from '../../common/src/config.ts';

export type ClickHouseRole = 'writer' | 'analyst';

export function clickhouseFrom(config: StackConfig, as: ClickHouseRole, database = config.clickhouse.database): ClickHouse {
  return new ClickHouse(config.clickhouse.url, config.clickhouse[as], database);
}
