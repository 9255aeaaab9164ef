import type { Knex } from 'knex';

/**
 * The transactional outbox, with Debezium's default outbox columns. Each row is an
 * event whose payload is the Confluent wire format (magic byte, schema id, Avro body);
 * the Outbox Event Router streams it to Kafka with the key aggregateid.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('point_event_outbox', (t) => {
    t.string('id', 36).notNullable().primary().comment('event id (UUID), becomes the Kafka "id" header');
    t.string('aggregatetype', 64).notNullable().comment('the topic the connector routes the row to: points.events, points.notices');
    t.string('aggregateid', 64).notNullable().comment('userId: the Kafka message key');
    t.string('type', 64).notNullable().comment('event type, becomes the "eventType" header');
    t.specificType('payload', 'MEDIUMBLOB').notNullable().comment('Confluent wire-format Avro bytes');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('point_event_outbox');
}
