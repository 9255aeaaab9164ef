/** `make migrate`: applies api/migrations to the ledger database of every shard (as the migrator user). */
import knex from 'knex';
import path from 'node:path';
import { loadConfig, repoRoot } from '../../common/src/config.ts';

const cfg = loadConfig();
for (const [i, shard] of cfg.mysql.shards.entries()) {
  const where = cfg.mysql.shards.length > 1 ? ` (shard ${i + 1} of ${cfg.mysql.shards.length}, port ${shard.port})` : '';
  const db = knex({
    client: 'mysql2',
    connection: {
      host: shard.host,
      port: shard.port,
      user: cfg.mysql.migrator.user,
      password: cfg.mysql.migrator.password,
      database: cfg.mysql.database,
    },
    pool: { min: 0, max: 1 },
  });
  try {
    const [batch, applied] = (await db.migrate.latest({
      directory: path.join(repoRoot, 'api/migrations'),
      loadExtensions: ['.ts'],
    })) as [number, string[]];
    if (applied.length === 0) console.log(`migrations: up to date${where}`);
    else console.log(`migrations: batch ${batch} applied ${applied.join(', ')}${where}`);
  } finally {
    await db.destroy();
  }
}
