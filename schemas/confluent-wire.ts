/**
 * The Confluent wire format of our Avro messages (magic byte 0, the schema id as 4 bytes
 * big-endian, the Avro body) and the registration of their schemas through the registry's
 * Confluent-compatible API (@kafkajs/confluent-schema-registry). The point event
 * (event-codec.ts) and the expiry notice (expiry-notice.ts) are both written this way.
 */
import type avro from 'avsc';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';

export function encodeWire(type: avro.Type, schemaId: number, value: unknown): Buffer {
  const body = type.toBuffer(value);
  const out = Buffer.allocUnsafe(5 + body.length);
  out.writeUInt8(0, 0);
  out.writeInt32BE(schemaId, 1);
  body.copy(out, 5);
  return out;
}

/** Decodes bytes written by encodeWire with the same schema (tests, tools). */
export function decodeWire<T>(type: avro.Type, bytes: Buffer): { schemaId: number; value: T } {
  if (bytes.length < 5 || bytes[0] !== 0) throw new Error('not the Confluent wire format (magic byte 0)');
  return { schemaId: bytes.readInt32BE(1), value: type.fromBuffer(bytes.subarray(5)) as T };
}

/**
 * Registers a schema under `subject` with BACKWARD compatibility; returns the id of the
 * last of `versions` (the current schema), the id the outbox rows carry. Registering the
 * same schema again returns its id. A registry that does not hold the current schema yet
 * gets the versions in order (oldest first), so that the subject's history is the contract's.
 */
export async function registerAvroSchema(registryUrl: string, subject: string, versions: readonly string[]): Promise<number> {
  const registry = new SchemaRegistry({ host: registryUrl });
  try {
    return await registry.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema: versions[versions.length - 1]! });
  } catch (e) {
    // Not registered yet, or no subject at all: a 404, which the client rethrows as its
    // plain ConfluentSchemaRegistryError (without the status; not exported, so known by its
    // name); register below. Any other answer keeps its status and is registry trouble.
    if (!isNotFound(e)) throw e;
  }
  let id = 0;
  for (const schema of versions) {
    ({ id } = await registry.register({ type: SchemaType.AVRO, schema }, { subject, compatibility: COMPATIBILITY.BACKWARD }));
  }
  return id;
}

function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; status?: number };
  return err?.status === 404 || err?.name === 'ConfluentSchemaRegistryError';
}
