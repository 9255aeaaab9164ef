import type { Knex } from 'knex';

/**
 * Expiry notices (POST /v1/points/expiry-notices, docs/expiry-notices.md): one row per
 * lot and window (withinDays) that a notice was sent for, on the lot's shard (grant ids
 * carry their shard, ADR 0011). The unique key (grant_id, within_days) is what makes two
 * runs, even at once, send one notice per lot and window: a run inserts with INSERT
 * IGNORE and writes an outbox row only for the rows it really inserted.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('expiry_notice', (t) => {
    t.string('notice_id', 36).notNullable().primary().comment('UUID on the lot shard; the outbox row id and the Kafka header id');
    t.string('user_id', 64).notNullable().comment('the Kafka message key');
    t.string('grant_id', 36).notNullable();
    t.smallint('within_days').notNullable().comment('the window of the run that made it (1-90)');
    t.bigInteger('amount').notNullable().comment('points left in the lot when the notice was made');
    t.specificType('expires_at', 'DATETIME(3)').notNullable().comment('the lot expiry');
    t.specificType('created_at', 'DATETIME(3)').notNullable();
    t.unique(['grant_id', 'within_days'], { indexName: 'expiry_notice_grant_window' });
    // Support: the notices a user was sent.
    t.index(['user_id', 'created_at'], 'expiry_notice_user');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('expiry_notice');
}
