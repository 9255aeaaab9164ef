import type { Knex } from 'knex';

/**
 * The write model: wallets, lots, uses, the business event history and idempotency
 * records. Runs on MariaDB 10.11 and MySQL 8 alike (plain types, no JSON column type:
 * MariaDB's JSON is LONGTEXT, MySQL's is binary; we store JSON as text ourselves).
 * Times are DATETIME(3) in UTC.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('point_wallets', (t) => {
    t.string('user_id', 64).notNullable().primary();
    t.bigInteger('balance').notNullable().defaultTo(0);
    t.bigInteger('seq').notNullable().defaultTo(0).comment("seq of the user's last event");
    t.specificType('created_at', 'DATETIME(3)').notNullable();
    t.specificType('updated_at', 'DATETIME(3)').notNullable();
  });

  await knex.schema.createTable('point_lots', (t) => {
    t.string('grant_id', 36).notNullable().primary();
    t.string('user_id', 64).notNullable();
    t.bigInteger('amount').notNullable();
    t.bigInteger('remaining').notNullable();
    t.specificType('expires_at', 'DATETIME(3)').notNullable();
    t.specificType('granted_at', 'DATETIME(3)').notNullable();
    t.bigInteger('grant_seq').notNullable().comment('seq of the grant event: tie-break of equal expiry');
    t.boolean('revoked').notNullable().defaultTo(false);
    // 1 while the lot holds points: the lots a command loads and the sweep scans.
    t.tinyint('is_open').notNullable();
    t.string('reason', 200).notNullable();
    t.string('source', 100).nullable();
    t.index(['user_id', 'is_open'], 'point_lots_user_open');
    t.index(['is_open', 'expires_at'], 'point_lots_open_expiry');
  });

  await knex.schema.createTable('point_uses', (t) => {
    t.string('use_id', 36).notNullable().primary();
    t.string('user_id', 64).notNullable();
    t.bigInteger('amount').notNullable();
    t.bigInteger('canceled').notNullable().defaultTo(0);
    t.string('order_id', 100).nullable();
    t.string('reason', 200).nullable();
    t.specificType('used_at', 'DATETIME(3)').notNullable();
    t.index(['user_id'], 'point_uses_user');
  });

  await knex.schema.createTable('point_use_allocations', (t) => {
    t.string('use_id', 36).notNullable();
    t.string('grant_id', 36).notNullable();
    t.bigInteger('amount').notNullable();
    t.bigInteger('restored').notNullable().defaultTo(0);
    t.primary(['use_id', 'grant_id']);
  });

  await knex.schema.createTable('point_events', (t) => {
    t.string('event_id', 36).notNullable().primary();
    t.string('user_id', 64).notNullable();
    t.bigInteger('seq').notNullable();
    t.string('type', 32).notNullable();
    t.bigInteger('amount').notNullable();
    t.bigInteger('balance_after').notNullable();
    t.specificType('occurred_at', 'DATETIME(3)').notNullable();
    t.string('grant_id', 36).nullable();
    t.string('use_id', 36).nullable();
    t.string('cancellation_id', 36).nullable();
    t.specificType('expires_at', 'DATETIME(3)').nullable();
    t.text('allocations').notNullable().comment('JSON [{grantId, amount}]');
    t.string('reason', 200).nullable();
    t.string('source', 100).nullable();
    t.string('order_id', 100).nullable();
    t.unique(['user_id', 'seq'], { indexName: 'point_events_user_seq' });
    t.index(['grant_id'], 'point_events_grant');
    t.index(['use_id'], 'point_events_use');
  });

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.string('client', 64).notNullable().comment('name of the API key that sent it');
    t.string('idem_key', 128).notNullable();
    t.string('request_hash', 64).notNullable();
    t.smallint('status').notNullable();
    t.text('response', 'mediumtext').notNullable();
    t.specificType('created_at', 'DATETIME(3)').notNullable();
    t.primary(['client', 'idem_key']);
    t.index(['created_at'], 'idempotency_keys_created');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['idempotency_keys', 'point_events', 'point_use_allocations', 'point_uses', 'point_lots', 'point_wallets']) {
    await knex.schema.dropTableIfExists(table);
  }
}
