/**
 * The schema registry's Confluent-compatible API, through @kafkajs/confluent-schema-registry.
 * The probe subject is deleted afterwards (soft, then permanently), leaving the registry
 * the API uses as it was.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { loadConfig } from '../../common/src/config.ts';

const cfg = loadConfig();
const run = randomUUID().replace(/-/g, '').slice(0, 12);
const subject = `registry-probe-${run}-value`;

const subjects = async (deleted = false) =>
  (await (await fetch(`${cfg.registry.url}/subjects${deleted ? '?deleted=true' : ''}`)).json()) as string[];

afterAll(async () => {
  if (!(await subjects(true)).includes(subject)) return; // never registered
  // The Confluent API deletes in two steps: soft (versions hidden), then permanent.
  const soft = await fetch(`${cfg.registry.url}/subjects/${subject}`, { method: 'DELETE' });
  expect(soft.status, await soft.text()).toBe(200);
  const hard = await fetch(`${cfg.registry.url}/subjects/${subject}?permanent=true`, { method: 'DELETE' });
  expect(hard.status, await hard.text()).toBe(200);
  expect(await subjects()).not.toContain(subject);
  expect(await subjects(true)).not.toContain(subject);
});

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
