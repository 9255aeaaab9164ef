/**
 * `make up`: the analytics database on every ClickHouse server (one in single, one per
 * shard in cluster), through @clickhouse/client like every other ClickHouse call. The
 * tables are the ClickHouse projector's (projectors/clickhouse/schema.ts).
 */
import { ClickHouse } from '../../common/src/clickhouse.ts';
import { loadConfig } from '../../common/src/config.ts';

const cfg = loadConfig();
const { database, writer, nodes } = cfg.clickhouse;
// An identifier in the statement: only a plain name (18.16 has no query parameters, and
// no parameter can name a database anyway).
if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
  console.error(`CLICKHOUSE_DATABASE must be a plain name ([A-Za-z_][A-Za-z0-9_]*), got "${database}"`);
  process.exit(1);
}
for (const url of nodes) {
  const ch = new ClickHouse(url, writer, 'default', 10_000);
  try {
    await ch.exec(`CREATE DATABASE IF NOT EXISTS ${database}`);
  } finally {
    await ch.close();
  }
}
console.log(`database ${database} on ${nodes.length} server(s)`);
