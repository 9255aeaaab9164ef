/** `make migrate`: applies api/migrations to the ledger database (as the migrator user). */
import knex from 'knex';
import path from 'node:path';
import { loadConfig, repoRoot } from '../../common/src/config.ts';

const cfg = loadConfig();
const db = knex({
  client: 'mysql2',
  connection: {
    host: cfg.mysql.host,
    port: cfg.mysql.port,
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
  if (applied.length === 0) console.log('migrations: up to date');
  else console.log(`migrations: batch ${batch} applied ${applied.join(', ')}`);
} finally {
  await db.destroy();
}
