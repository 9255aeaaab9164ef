/**
 * Writes events to the transactional outbox in the command's transaction and deletes
 * them again before commit: the binlog keeps the INSERT for Debezium, the table stays
 * empty (ADR 0004).
 */
import type { Knex } from 'knex';
import type { PointEvent } from '../points/types.ts';
import { encodePointEvent } from './event-codec.ts';

export async function writeOutbox(trx: Knex.Transaction, schemaId: number, events: PointEvent[]): Promise<void> {
  if (events.length === 0) return;
  await trx('point_event_outbox').insert(
    events.map((e) => ({
      id: e.eventId,
      aggregatetype: 'points',
      aggregateid: e.userId,
      type: e.type,
      payload: encodePointEvent(schemaId, e),
    })),
  );
  await trx('point_event_outbox').whereIn('id', events.map((e) => e.eventId)).delete();
}
