import type { Knex } from 'knex';

/**
 * Idempotency keys across shards (ADR 0011). A key's claim lives on the key's own shard
 * (hash of client and key), whichever user the command names: a key sent again with
 * another request is refused even when that request names a user on another shard.
 * The command's stored answer stays in idempotency_keys on its user's shard, written in
 * the command's transaction. With one shard this table stays empty.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('idempotency_claims', (t) => {
    t.string('client', 64).notNullable().comment('name of the API key that sent it');
    t.string('idem_key', 128).notNullable();
    t.string('request_hash', 64).notNullable();
    t.tinyint('confirmed').notNullable().defaultTo(0).comment('1 once the command it claims for has committed');
    t.specificType('created_at', 'DATETIME(3)').notNullable();
    t.primary(['client', 'idem_key']);
    t.index(['created_at'], 'idempotency_claims_created');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('idempotency_claims');
}
