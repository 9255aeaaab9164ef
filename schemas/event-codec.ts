/**
 * The point event in Avro, Confluent wire format: magic byte 0, the schema id
 * (4 bytes, big-endian), the Avro body. schemas/point-event.avsc is the contract;
 * point-event.ts's PointEvent is exactly its record (checked by api/src/ledger/event-codec.unit.test.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { decodeWire, encodeWire, registerAvroSchema } from './confluent-wire.ts';
import type { PointEvent } from './point-event.ts';

export const POINT_EVENT_SUBJECT = 'points.events-value';
export const pointEventSchemaPath = fileURLToPath(new URL('./point-event.avsc', import.meta.url));
export const pointEventSchemaText = readFileSync(pointEventSchemaPath, 'utf8');
export const pointEventType = avro.Type.forSchema(JSON.parse(pointEventSchemaText) as avro.Schema);

export function encodePointEvent(schemaId: number, event: PointEvent): Buffer {
  return encodeWire(pointEventType, schemaId, event);
}

/** Decodes bytes written by encodePointEvent with the same schema (tests, tools). */
export function decodePointEvent(bytes: Buffer): { schemaId: number; event: PointEvent } {
  const { schemaId, value } = decodeWire<PointEvent>(pointEventType, bytes);
  return { schemaId, event: value };
}

/**
 * The schema's versions, oldest first: each was the contract for a while, and events of
 * each are on the topic. The last is point-event.avsc (what the API writes).
 */
export const pointEventSchemaVersions = [readFileSync(fileURLToPath(new URL('./point-event.v1.avsc', import.meta.url)), 'utf8'), pointEventSchemaText];

/**
 * Registers the schema under points.events-value with BACKWARD compatibility, through
 * the registry's Confluent-compatible API (@kafkajs/confluent-schema-registry); returns
 * the schema id the outbox carries. Registering the same schema again returns its id.
 * A registry that does not hold the current schema yet gets the versions in order, so
 * that its history is the contract's (version 2 of the subject is version 2 of the
 * schema, checked BACKWARD against version 1), on a new stack as on one that ran v1.
 */
export function registerPointEventSchema(registryUrl: string): Promise<number> {
  return registerAvroSchema(registryUrl, POINT_EVENT_SUBJECT, pointEventSchemaVersions);
}
