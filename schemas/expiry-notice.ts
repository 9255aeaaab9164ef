/**
 * The expiry notice (schemas/expiry-notice.avsc): its TypeScript shape, exactly the
 * record (checked by expiry-notice.unit.test.ts), the Confluent wire format (magic byte 0,
 * the 4-byte schema id, the Avro body) and its registration. Messages of points.notices;
 * not a ledger event (no seq). Times are epoch milliseconds, as in the point event.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';

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
  const body = expiryNoticeType.toBuffer(notice);
  const out = Buffer.allocUnsafe(5 + body.length);
  out.writeUInt8(0, 0);
  out.writeInt32BE(schemaId, 1);
  body.copy(out, 5);
  return out;
}

/** Decodes bytes written by encodeExpiryNotice with the same schema (tests, tools). */
export function decodeExpiryNotice(bytes: Buffer): { schemaId: number; notice: ExpiryNotice } {
  if (bytes.length < 5 || bytes[0] !== 0) throw new Error('not the Confluent wire format (magic byte 0)');
  return { schemaId: bytes.readInt32BE(1), notice: expiryNoticeType.fromBuffer(bytes.subarray(5)) as ExpiryNotice };
}

/**
 * Registers the schema under `subject` (default points.notices-value) with BACKWARD
 * compatibility through the registry's Confluent-compatible API; returns the schema id
 * the outbox rows carry. Registering the same schema again returns its id.
 */
export async function registerExpiryNoticeSchema(registryUrl: string, subject = EXPIRY_NOTICE_SUBJECT): Promise<number> {
  const registry = new SchemaRegistry({ host: registryUrl });
  try {
    return await registry.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema: expiryNoticeSchemaText });
  } catch (e) {
    // Not registered yet (a 404, rethrown by the client as its plain ConfluentSchemaRegistryError):
    // register below; any other answer keeps its status and is registry trouble.
    const err = e as { name?: string; status?: number };
    if (!(err?.status === 404 || err?.name === 'ConfluentSchemaRegistryError')) throw e;
  }
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: expiryNoticeSchemaText }, { subject, compatibility: COMPATIBILITY.BACKWARD });
  return id;
}
