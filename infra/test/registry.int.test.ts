/**
 * The schema registry's Confluent-compatible API, through @kafkajs/confluent-schema-registry.
 * The probe subject is deleted afterwards (soft, then permanently), leaving the registry
 * the API uses as it was.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { loadConfig } from '../../common/src/config.ts';
import { retry } from '../../common/src/retry.ts';
import { POINT_EVENT_SUBJECT, pointEventSchemaVersions } from '../../schemas/event-codec.ts';

const cfg = loadConfig();
const run = randomUUID().replace(/-/g, '').slice(0, 12);
const subject = `registry-probe-${run}-value`;
/** The point event's versions, registered in order under a probe subject of their own. */
const historySubject = `registry-probe-${run}-history-value`;

const subjects = async (deleted = false) => (await (await fetch(`${cfg.registry.url}/subjects${deleted ? '?deleted=true' : ''}`)).json()) as string[];

// In the cluster topology the registry URL is HAProxy in front of two Apicurio instances
// that share their storage through a Kafka topic: the instance answering the next call
// may not have read the previous write yet (the permanent delete then answers 409 "not
// soft-deleted"). Each step is retried for a few seconds until it holds.
const settled = <T>(step: (attempt: number) => Promise<T>) => retry(step, { initialMs: 100, maxMs: 1000, retries: 20 });

afterAll(async () => {
  await Promise.all([subject, historySubject].map(remove));
});

async function remove(subject: string) {
  if (!(await subjects(true)).includes(subject)) return; // never registered
  // The Confluent API deletes in two steps: soft (versions hidden), then permanent.
  await settled(async (attempt) => {
    const soft = await fetch(`${cfg.registry.url}/subjects/${subject}`, { method: 'DELETE' });
    // 404 "subject not found" on a retry only: an earlier try went through.
    if (attempt === 0 || soft.status !== 404) expect(soft.status, await soft.text()).toBe(200);
  });
  await settled(async () => {
    const hard = await fetch(`${cfg.registry.url}/subjects/${subject}?permanent=true`, { method: 'DELETE' });
    expect(hard.status, await hard.text()).toBe(200);
  });
  await settled(async () => {
    expect(await subjects()).not.toContain(subject);
    expect(await subjects(true)).not.toContain(subject);
  });
}

describe('schema registry (Confluent-compatible API)', () => {
  it('registers an Avro schema, serves it back by id, and round-trips the wire format', async () => {
    const schema = {
      type: 'record',
      name: 'RegistryProbe',
      namespace: `test.r${run}`,
      fields: [
        { name: 'id', type: 'string' },
        { name: 'amount', type: 'long' },
        { name: 'note', type: ['null', 'string'], default: null },
      ],
    };
    const writer = new SchemaRegistry({ host: cfg.registry.url });
    const { id } = await writer.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    expect(id).toBeGreaterThan(0);

    // The same schema again: the same id, no new version.
    const again = await writer.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    expect(again.id).toBe(id);
    expect(await writer.getLatestSchemaId(subject)).toBe(id);

    // Served back by id over the plain REST API.
    const res = await fetch(`${cfg.registry.url}/schemas/ids/${id}`);
    expect(res.status).toBe(200);
    const served = JSON.parse(((await res.json()) as { schema: string }).schema) as typeof schema;
    expect(served.name).toBe('RegistryProbe');
    expect(served.fields.map((f) => f.name)).toEqual(['id', 'amount', 'note']);

    // Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro body;
    // a second client with an empty cache decodes it by fetching the schema by id.
    const value = { id: 'evt-1', amount: 1_000_000_000, note: 'héllo' };
    const bytes = await writer.encode(id, value);
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(id);
    const reader = new SchemaRegistry({ host: cfg.registry.url });
    expect(await reader.decode(bytes)).toEqual(value);
  });
});

describe('the point event schema in the registry', () => {
  const registry = new SchemaRegistry({ host: cfg.registry.url });
  const register = (schema: string) => registry.register({ type: SchemaType.AVRO, schema }, { subject: historySubject, compatibility: COMPATIBILITY.BACKWARD });

  it('accepts version 2 over version 1 under BACKWARD compatibility, as version 2 of the subject', async () => {
    const [v1, v2] = pointEventSchemaVersions;
    const first = await register(v1!);
    const second = await register(v2!);
    expect(second.id).not.toBe(first.id);
    const versions = await settled(async () => {
      const res = await fetch(`${cfg.registry.url}/subjects/${historySubject}/versions`);
      const list = (await res.json()) as number[];
      expect(list).toHaveLength(2);
      return list;
    });
    const latest = (await (await fetch(`${cfg.registry.url}/subjects/${historySubject}/versions/${versions.at(-1)}`)).json()) as { id: number };
    expect(latest.id).toBe(second.id);
  });

  it('refuses a change that old events could not be read with (a new field without a default)', async () => {
    const [, v2] = pointEventSchemaVersions;
    const broken = JSON.parse(v2!) as { fields: object[] };
    broken.fields.push({ name: 'mandatory', type: 'string' });
    await expect(register(JSON.stringify(broken))).rejects.toThrow(/409|incompatible|compatib/i);
  });

  it('the subject the API writes holds the current version, registered after version 1', async () => {
    const res = await fetch(`${cfg.registry.url}/subjects/${POINT_EVENT_SUBJECT}/versions`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as number[]).length).toBeGreaterThanOrEqual(pointEventSchemaVersions.length);
  });
});
