/** The API's MySQL pools (the application user: DML only), one per write-model shard. */
import knex, { type Knex } from 'knex';
import type { HostPort, StackConfig } from './config.ts';
import { idOnShard, shardOfId, shardOfKey, shardOfUser } from './shards.ts';

/** A pool of the first shard (the single topology's one database), or of `shard`. */
export function createDb(config: StackConfig, poolSize = config.api.dbPoolSize, shard = 0): Knex {
  const m = config.mysql;
  const at: HostPort = m.shards[shard] ?? { host: m.host, port: m.port };
  return knex({
    client: 'mysql2',
    connection: {
      host: at.host,
      port: at.port,
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

/**
 * The write model's shards (ADR 0011): a pool per shard, and where a user, an id or an
 * idempotency key lives. One shard in single: everything is shard 0.
 */
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class Shards {
  constructor(readonly dbs: Knex[]) {
    if (dbs.length === 0) throw new Error('at least one shard');
  }

  get count(): number {
    return this.dbs.length;
  }

  /** The shard number of a user. */
  ofUser(userId: string): number {
    return shardOfUser(userId, this.count);
  }

  /** The shard an id names, or undefined (an unknown id). */
  ofId(id: string): number | undefined {
    return shardOfId(id, this.count);
  }

  ofKey(client: string, key: string): number {
    return shardOfKey(client, key, this.count);
  }

  db(shard: number): Knex {
    const db = this.dbs[shard];
    if (!db) throw new RangeError(`no shard ${shard} (of ${this.count})`);
    return db;
  }

  /** The pool of the shard that holds this user's rows. */
  dbOfUser(userId: string): Knex {
    return this.db(this.ofUser(userId));
  }

  /**
   * The pool of the shard that holds a user's rows or an id's (grant, use, hold and
   * cancellation ids carry their shard, ADR 0011): tests look rows up by either. An id
   * of no shard (made elsewhere) is looked up on the first.
   */
  dbOfUserOrId(userIdOrId: string): Knex {
    return this.db(UUID_TEXT.test(userIdOrId) ? (this.ofId(userIdOrId) ?? 0) : this.ofUser(userIdOrId));
  }

  /** A new id on the user's shard (grantId, useId), or on the shard of another id (a cancellationId on its use's). */
  newIdFor(target: { userId: string } | { id: string }): string {
    const shard = 'userId' in target ? this.ofUser(target.userId) : (this.ofId(target.id) ?? 0);
    return idOnShard(shard);
  }

  async destroy(): Promise<void> {
    await Promise.all(this.dbs.map((d) => d.destroy()));
  }
}

/** A pool on every shard of the configuration. */
export function createShards(config: StackConfig, poolSize = config.api.dbPoolSize): Shards {
  return new Shards(config.mysql.shards.map((_, i) => createDb(config, poolSize, i)));
}
