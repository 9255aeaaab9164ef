import type { Knex } from 'knex';

/**
 * The order lifecycle (API.md "Additions"): pending lots, holds, and the wallet's held
 * and pending points. Existing rows keep their meaning: a lot is active (pending 0),
 * a wallet holds nothing and has nothing pending, an event has no hold.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('point_wallets', (t) => {
    t.bigInteger('held').notNullable().defaultTo(0).comment('Σ of the active holds');
    t.bigInteger('pending').notNullable().defaultTo(0).comment('Σ remaining of the pending lots');
  });

  await knex.schema.alterTable('point_lots', (t) => {
    t.tinyint('pending').notNullable().defaultTo(0).comment('1 until the lot activates: not spendable, does not expire');
    t.specificType('available_at', 'DATETIME(3)').nullable().comment('when a pending lot activates by itself');
    t.string('order_id', 100).nullable();
    // The maintenance run's scan for due pending lots.
    t.index(['pending', 'available_at'], 'point_lots_pending_due');
  });

  await knex.schema.createTable('point_holds', (t) => {
    t.string('hold_id', 36).notNullable().primary();
    t.string('user_id', 64).notNullable();
    t.bigInteger('amount').notNullable();
    t.bigInteger('captured').notNullable().defaultTo(0);
    t.bigInteger('released').notNullable().defaultTo(0);
    t.string('state', 16).notNullable().comment('ACTIVE, CAPTURED or RELEASED');
    t.specificType('expires_at', 'DATETIME(3)').notNullable();
    t.string('order_id', 100).nullable();
    t.string('reason', 200).nullable();
    t.string('use_id', 36).nullable().comment('the use of the capture');
    t.specificType('held_at', 'DATETIME(3)').notNullable();
    // The holds a command loads (its user's active ones) and the maintenance run's scan for lapsed ones.
    t.index(['user_id', 'state'], 'point_holds_user_state');
    t.index(['state', 'expires_at'], 'point_holds_state_expiry');
  });

  await knex.schema.createTable('point_hold_allocations', (t) => {
    t.string('hold_id', 36).notNullable();
    t.string('grant_id', 36).notNullable();
    t.integer('position').notNullable().comment('the order the hold took from its lots (earliest expiry first)');
    t.bigInteger('amount').notNullable();
    t.primary(['hold_id', 'grant_id']);
  });

  await knex.schema.alterTable('point_uses', (t) => {
    t.string('hold_id', 36).nullable().comment('set when the use is the capture of a hold');
  });

  await knex.schema.alterTable('point_events', (t) => {
    t.string('hold_id', 36).nullable();
    t.specificType('available_at', 'DATETIME(3)').nullable();
    t.bigInteger('held_after').notNullable().defaultTo(0);
    t.bigInteger('pending_after').notNullable().defaultTo(0);
    t.index(['hold_id'], 'point_events_hold');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('point_events', (t) => {
    t.dropIndex(['hold_id'], 'point_events_hold');
    t.dropColumns('hold_id', 'available_at', 'held_after', 'pending_after');
  });
  await knex.schema.alterTable('point_uses', (t) => t.dropColumn('hold_id'));
  await knex.schema.dropTableIfExists('point_hold_allocations');
  await knex.schema.dropTableIfExists('point_holds');
  await knex.schema.alterTable('point_lots', (t) => {
    t.dropIndex(['pending', 'available_at'], 'point_lots_pending_due');
    t.dropColumns('pending', 'available_at', 'order_id');
  });
  await knex.schema.alterTable('point_wallets', (t) => t.dropColumns('held', 'pending'));
}
