import type { Knex } from 'knex';

/**
 * Grant batches (POST /v1/points/grant-batches, docs/grant-batches.md, ADR 0014): a
 * batch and its rows live on the shard of the batch's Idempotency-Key (the batchId
 * carries that shard in its first byte, ADR 0011); each row's grant runs on its user's
 * shard, idempotent by (batchId, ref). Rows are claimed by the API instances' workers
 * with a lease (claimed_by, claimed_until), so a row whose instance died is taken over.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('grant_batch', (t) => {
    t.string('batch_id', 36).notNullable().primary().comment('UUID on the shard of its Idempotency-Key');
    t.string('client', 64).notNullable().comment('name of the API key that sent it: the client of its rows grants');
    t.string('idem_key', 128).notNullable();
    t.string('request_hash', 64).notNullable().comment('sha256 of method, path and body, as for commands');
    t.string('state', 16).notNullable().comment('RUNNING until every row is DONE or FAILED, then DONE');
    t.integer('total').notNullable();
    t.integer('done').notNullable().defaultTo(0);
    t.integer('failed').notNullable().defaultTo(0);
    t.specificType('created_at', 'DATETIME(3)').notNullable();
    t.specificType('updated_at', 'DATETIME(3)').notNullable();
    // The same key again: the same batch (kept as long as the batch, past the idempotency retention).
    t.unique(['client', 'idem_key'], { indexName: 'grant_batch_idempotency' });
    // What the workers poll for.
    t.index(['state'], 'grant_batch_state');
  });

  await knex.schema.createTable('grant_batch_row', (t) => {
    t.string('batch_id', 36).notNullable();
    t.string('ref', 64).notNullable().comment("the client's name of the row, unique in its batch");
    t.integer('line').notNullable().comment('CSV line (the header is line 1) or JSON index + 1');
    t.string('user_id', 64).notNullable();
    t.bigInteger('amount').notNullable();
    t.integer('valid_days').nullable();
    t.specificType('expires_at', 'DATETIME(3)').nullable();
    t.specificType('available_at', 'DATETIME(3)').nullable();
    t.string('reason', 200).notNullable();
    t.string('source', 100).nullable();
    t.string('order_id', 100).nullable();
    t.string('state', 16).notNullable().comment('PENDING, DONE or FAILED');
    t.string('error_code', 64).nullable();
    t.string('error_message', 500).nullable();
    t.string('grant_id', 36).nullable().comment('the grant of a DONE row');
    t.string('claimed_by', 100).nullable().comment('the worker that holds the lease');
    t.specificType('claimed_until', 'DATETIME(3)').nullable().comment("the lease's end, in the database's clock");
    t.string('run_by', 100).nullable().comment('the worker that finished it');
    t.specificType('finished_at', 'DATETIME(3)').nullable();
    t.primary(['batch_id', 'ref']);
    // The claim scan (PENDING rows in line order) and the status's errors (FAILED in line order).
    t.index(['batch_id', 'state', 'line'], 'grant_batch_row_state_line');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('grant_batch_row');
  await knex.schema.dropTableIfExists('grant_batch');
}
