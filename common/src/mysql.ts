/** The API's MySQL pool (the application user: DML only). */
import knex, { type Knex } from 'knex';
import type { StackConfig } from './config.ts';

export function createDb(config: StackConfig, poolSize = config.api.dbPoolSize): Knex {
  const m = config.mysql;
  return knex({
    client: 'mysql2',
    connection: {
      host: m.host,
      port: m.port,
      user: m.app.user,
      password: m.app.password,
      database: m.database,
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: false,
      connectTimeout: 5_000,
      // A command's statements go in one or two round trips (CommandTx, ADR 0007).
      // Every value in them is escaped by the driver; nothing is concatenated.
      multipleStatements: true,
    },
    pool: { min: 1, max: poolSize },
    // A request waits at most this long for a connection; then 503 UNAVAILABLE.
    acquireConnectionTimeout: 5_000,
  });
}
