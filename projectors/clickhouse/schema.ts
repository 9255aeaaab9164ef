/**
 * The tables of the ClickHouse read model, created at projector start (idempotent).
 * Written for ClickHouse 18.16 (the Debian package) and current releases alike: no
 * DateTime64, LowCardinality or query parameters.
 *
 * `events` holds one row per event (rows.ts). ReplacingMergeTree ORDER BY (userId, seq)
 * folds a duplicate that slipped past the writer's seq check (ADR 0005) when parts
 * merge, and FINAL folds it at read time. No PARTITION BY: one INSERT of one flush is
 * one part, so it lands whole or not at all.
 *
 * Cluster topology (ADR 0012): each server (shard) holds its own rows in `events_local`,
 * the same ReplacingMergeTree, and `events` on every server is a Distributed table over
 * them, sharded by cityHash64(userId): all rows of a user are on one shard, so FINAL
 * (which folds within a shard) stays exact, and every read and insert keeps naming
 * `events`. There is no ON CLUSTER (it needs ZooKeeper): the DDL runs on every server.
 *
 * Schema version 2 of the event (holds and pending grants, ADR 0013) added the columns of
 * V2_COLUMNS at the end of the table. A table created before them is migrated in place at
 * projector start (migrateEvents): ALTER TABLE ... ADD COLUMN for each one missing, on every
 * server, the shards' tables before the Distributed tables over them. 18.16 has no
 * ADD COLUMN IF NOT EXISTS, so the missing ones are read from system.columns first. Adding
 * a column only writes metadata: existing parts read it as its type's default (null, 0),
 * which is exactly what a version-1 event holds (no hold, not pending, heldAfter =
 * pendingAfter = 0). `type` is a String, not an Enum: new event types need no ALTER.
 *
 * Analytics are computed from `events` directly (analytics.ts): a summing
 * materialized view would count such a slipped duplicate for good, and the daily
 * distinct users do not sum. See ADR 0005 for when an aggregate table becomes worth it.
 */
import { quote, type ClickHouse } from '../../common/src/clickhouse.ts';
import type { StackConfig } from '../../common/src/config.ts';
import { onEveryServer } from './client.ts';

/** What every read and insert names: the table (single) or the Distributed table over the shards (cluster). */
export const EVENTS_TABLE = 'events';
/** cluster: each shard's own table under the Distributed `events`. */
export const EVENTS_LOCAL_TABLE = 'events_local';

/** A column of the events table: its name and ClickHouse type. */
type Column = readonly [name: string, type: string];

/** The columns of schema version 1, in their order: the table as the projector created it before version 2. */
export const V1_COLUMNS: readonly Column[] = [
  ['eventId', 'String'],
  ['userId', 'String'],
  ['seq', 'UInt64'],
  ['type', 'String'],
  ['amount', 'Int64'],
  ['balanceAfter', 'Int64'],
  ['occurredAt', 'DateTime'],
  ['occurredAtMs', 'UInt64'],
  ['day', 'Date'],
  ['grantId', 'Nullable(String)'],
  ['useId', 'Nullable(String)'],
  ['cancellationId', 'Nullable(String)'],
  ['expiresAt', 'Nullable(DateTime)'],
  ['expiresAtMs', 'Nullable(UInt64)'],
  ['allocGrantIds', 'Array(String)'],
  ['allocAmounts', 'Array(Int64)'],
  ['reason', 'Nullable(String)'],
  ['source', 'Nullable(String)'],
  ['orderId', 'Nullable(String)'],
];

/**
 * The columns schema version 2 added (ADR 0013), in their order at the end of the table:
 * the same in a new table (eventsDdl) and in one migrated from version 1 (migrateEvents).
 * Plain types, no DEFAULT: an INSERT that leaves one out (a projector of version 1 during
 * a rolling restart) and the parts written before the column existed read the type's
 * default, null or 0.
 */
export const V2_COLUMNS: readonly Column[] = [
  ['holdId', 'Nullable(String)'],
  ['availableAt', 'Nullable(DateTime)'],
  ['availableAtMs', 'Nullable(UInt64)'],
  ['heldAfter', 'Int64'],
  ['pendingAfter', 'Int64'],
];
/** The last column of version 1, after which the version-2 columns follow. */
const LAST_V1_COLUMN = V1_COLUMNS[V1_COLUMNS.length - 1]![0];

/** The ReplacingMergeTree that holds the rows on a server, with these columns (version 1's, or every version's). */
export function eventsTableDdl(table: string, columns: readonly Column[]): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
${columns.map(([name, type]) => `  ${name} ${type}`).join(',\n')}
) ENGINE = ReplacingMergeTree()
ORDER BY (userId, seq)`;
}

/** The ReplacingMergeTree that holds the rows on a server: the columns of every schema version. */
export function eventsDdl(table: string): string {
  return eventsTableDdl(table, [...V1_COLUMNS, ...V2_COLUMNS]);
}

/**
 * The sharding key: a user's rows go to shard cityHash64(userId) mod 2. ClickHouse
 * computes it (inserts go through the Distributed table); nothing of ours repeats it.
 */
export const SHARDING_KEY = 'cityHash64(userId)';

/** cluster: the Distributed table `events` over every shard's `events_local` of `database`. */
export function distributedDdl(cluster: string, database: string): string {
  return `CREATE TABLE IF NOT EXISTS ${EVENTS_TABLE} AS ${EVENTS_LOCAL_TABLE}
ENGINE = Distributed(${cluster}, ${database}, ${EVENTS_LOCAL_TABLE}, ${SHARDING_KEY})`;
}

/** The table that holds the rows on each server: `events` in single, `events_local` in cluster. */
export function localEventsTable(config: StackConfig): string {
  return config.clickhouse.cluster === undefined ? EVENTS_TABLE : EVENTS_LOCAL_TABLE;
}

/**
 * The ALTER that brings a table whose columns are `existing` (name -> type, from
 * system.columns) to version 2, or null when it has every column already. Each missing
 * column goes AFTER the one before it in V2_COLUMNS, so a migrated table has the columns
 * of a new one in the same order (also after a migration that stopped halfway). A column
 * that exists with another type is not ours to change: an error.
 */
export function migrationSql(table: string, existing: ReadonlyMap<string, string>): string | null {
  const adds: string[] = [];
  let after = LAST_V1_COLUMN;
  if (!existing.has(after)) throw new Error(`${table} has no column ${after}: not a table of the ClickHouse projector`);
  for (const [name, type] of V2_COLUMNS) {
    const found = existing.get(name);
    if (found === undefined) adds.push(`ADD COLUMN ${name} ${type} AFTER ${after}`);
    else if (found !== type) throw new Error(`${table}.${name} is ${found}, expected ${type}: drop it there, then make rebuild-clickhouse`);
    after = name;
  }
  return adds.length === 0 ? null : `ALTER TABLE ${table} ${adds.join(', ')}`;
}

async function columnsOf(ch: ClickHouse, table: string): Promise<Map<string, string>> {
  const rows = await ch.query<{ name: string; type: string }>(
    `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = ${quote(table)}`,
  );
  return new Map(rows.map((r) => [r.name, r.type]));
}

/**
 * Adds the version-2 columns a table lacks (migrationSql); nothing when it has them all,
 * so it runs at every start. Two projectors starting at once may both try: the one whose
 * ALTER fails because the other added the columns first reads them again and is done.
 */
export async function migrateEvents(ch: ClickHouse, table: string): Promise<void> {
  const sql = migrationSql(table, await columnsOf(ch, table));
  if (sql === null) return;
  try {
    await ch.exec(sql);
  } catch (e) {
    if (migrationSql(table, await columnsOf(ch, table)) !== null) throw e;
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkName(database: string): void {
  if (!NAME.test(database)) throw new Error(`"${database}" is not a plain ClickHouse database name`);
}

/**
 * Creates the database on every server when it is missing (the local stack creates it,
 * docker-compose does not). Runs in `default`, since the database may not exist yet.
 */
export async function ensureDatabase(config: StackConfig, database = config.clickhouse.database): Promise<void> {
  checkName(database);
  await onEveryServer(config, 'default', (ch) => ch.exec(`CREATE DATABASE IF NOT EXISTS ${database}`));
}

/**
 * Creates the read model's tables in `database` on every server, or migrates them to
 * version 2 (migrateEvents); safe to run at every start. single: `events`. cluster:
 * `events_local` and the Distributed `events` on each: first every server's
 * `events_local`, then the Distributed tables, so that no `events` ever has a column
 * that a shard's table lacks (an INSERT or SELECT naming it would fail on that shard).
 */
export async function ensureSchema(config: StackConfig, database = config.clickhouse.database): Promise<void> {
  checkName(database);
  const { cluster } = config.clickhouse;
  const local = localEventsTable(config);
  await onEveryServer(config, database, async (ch) => {
    await ch.exec(eventsDdl(local));
    await migrateEvents(ch, local);
  });
  if (cluster === undefined) return;
  await onEveryServer(config, database, async (ch, url) => {
    await ch.exec(distributedDdl(cluster, database));
    // An `events` left from before the cluster (a plain table) would take every row on one
    // server and break the one-shard-per-user rule: refuse it rather than write into it.
    const [t] = await ch.query<{ engine: string }>(`SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = '${EVENTS_TABLE}'`);
    if (t?.engine !== 'Distributed') {
      throw new Error(
        `${url}: ${database}.${EVENTS_TABLE} is a ${t?.engine ?? 'missing'} table, not Distributed: drop it there, then make rebuild-clickhouse (ADR 0012)`,
      );
    }
    // A Distributed table made before version 2 has the old columns: ALTER changes only its metadata.
    await migrateEvents(ch, EVENTS_TABLE);
  });
}

/** Drops `database` on every server (test and benchmark scratch databases). */
export async function dropDatabase(config: StackConfig, database: string): Promise<void> {
  checkName(database);
  await onEveryServer(config, 'default', (ch) => ch.exec(`DROP DATABASE IF EXISTS ${database}`));
}

/**
 * Empties the read model (before a rebuild from offset 0): the table that holds the rows
 * on every server, since TRUNCATE of a Distributed table removes nothing. Needs the writer.
 */
export async function truncateEvents(config: StackConfig, database = config.clickhouse.database): Promise<void> {
  checkName(database);
  const table = localEventsTable(config);
  await onEveryServer(config, database, (ch) => ch.exec(`TRUNCATE TABLE ${table}`));
}
