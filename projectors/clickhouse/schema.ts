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
 * Analytics are computed from `events` directly (analytics.ts): a summing
 * materialized view would count such a slipped duplicate for good, and the daily
 * distinct users do not sum. See ADR 0005 for when an aggregate table becomes worth it.
 */
import { ClickHouse } from '../../common/src/clickhouse.ts';
import type { StackConfig } from '../../common/src/config.ts';

export const EVENTS_TABLE = 'events';

export const EVENTS_DDL = `CREATE TABLE IF NOT EXISTS ${EVENTS_TABLE} (
  eventId String,
  userId String,
  seq UInt64,
  type String,
  amount Int64,
  balanceAfter Int64,
  occurredAt DateTime,
  occurredAtMs UInt64,
  day Date,
  grantId Nullable(String),
  useId Nullable(String),
  cancellationId Nullable(String),
  expiresAt Nullable(DateTime),
  expiresAtMs Nullable(UInt64),
  allocGrantIds Array(String),
  allocAmounts Array(Int64),
  reason Nullable(String),
  source Nullable(String),
  orderId Nullable(String)
) ENGINE = ReplacingMergeTree()
ORDER BY (userId, seq)`;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Creates the database when it is missing (the local stack creates it, docker-compose
 * does not). Runs in `default`, since the database may not exist yet.
 */
export async function ensureDatabase(config: StackConfig, database = config.clickhouse.database): Promise<void> {
  if (!NAME.test(database)) throw new Error(`"${database}" is not a plain ClickHouse database name`);
  const admin = new ClickHouse(config.clickhouse.url, config.clickhouse.writer, 'default');
  await admin.exec(`CREATE DATABASE IF NOT EXISTS ${database}`);
}

/** Creates the read model's tables in the client's database; safe to run at every start. */
export async function ensureSchema(ch: ClickHouse): Promise<void> {
  await ch.exec(EVENTS_DDL);
}
