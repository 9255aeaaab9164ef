/**
 * The expiry notice (schemas/expiry-notice.avsc): its TypeScript shape, exactly the
 * record (checked by expiry-notice.unit.test.ts), the Confluent wire format (magic byte 0,
 * the 4-byte schema id, the Avro body) and its registration, both confluent-wire.ts's.
 * Messages of points.notices; not a ledger event (no seq). Times are epoch milliseconds,
 * as in the point event.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { decodeWire, encodeWire, registerAvroSchema } from './confluent-wire.ts';

export interface ExpiryNotice {
  noticeId: string;
  userId: string;
  grantId: string;
  /** The points left in the lot when the notice was made. */
  amount: number;
  expiresAt: number;
  withinDays: number;
  createdAt: number;
}

/** The outbox rows' `type` of a notice (the Kafka header eventType). */
export const EXPIRY_NOTICE_TYPE = 'EXPIRY_NOTICE';
/** The subject of the notices topic's values under the default NOTICES_TOPIC (topic name + "-value"). */
export const EXPIRY_NOTICE_SUBJECT = 'points.notices-value';
export const expiryNoticeSchemaText = readFileSync(fileURLToPath(new URL('./expiry-notice.avsc', import.meta.url)), 'utf8');
export const expiryNoticeType = avro.Type.forSchema(JSON.parse(expiryNoticeSchemaText) as avro.Schema);

export function encodeExpiryNotice(schemaId: number, notice: ExpiryNotice): Buffer {
  return encodeWire(expiryNoticeType, schemaId, notice);
}

/** Decodes bytes written by encodeExpiryNotice with the same schema (tests, tools). */
export function decodeExpiryNotice(bytes: Buffer): { schemaId: number; notice: ExpiryNotice } {
  const { schemaId, value } = decodeWire<ExpiryNotice>(expiryNoticeType, bytes);
  return { schemaId, notice: value };
}

/**
 * Registers the schema under `subject` (default points.notices-value) with BACKWARD
 * compatibility through the registry's Confluent-compatible API; returns the schema id
 * the outbox rows carry. Registering the same schema again returns its id.
 */
export function registerExpiryNoticeSchema(registryUrl: string, subject = EXPIRY_NOTICE_SUBJECT): Promise<number> {
  return registerAvroSchema(registryUrl, subject, [expiryNoticeSchemaText]);
}
