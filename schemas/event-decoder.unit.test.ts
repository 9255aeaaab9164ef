import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import { encodePointEvent, pointEventSchemaText } from './event-codec.ts';
import { pointEvent } from './point-event.ts';
import { EventDecoder, PoisonMessage } from './event-decoder.ts';

const event = pointEvent({
  eventId: 'e1',
  userId: 'u1',
  seq: 1,
  type: 'POINTS_GRANTED',
  amount: 10,
  balanceAfter: 10,
  occurredAt: 1,
  grantId: 'g1',
  expiresAt: 2,
});
const schemaFields = (JSON.parse(pointEventSchemaText) as { fields: { name: string; default?: unknown }[] }).fields;
const lastField = schemaFields[schemaFields.length - 1]!;
/** An older writer schema: our record without its last field (which has a default). */
const older = (() => {
  expect(lastField).toHaveProperty('default');
  return { ...(JSON.parse(pointEventSchemaText) as object), fields: schemaFields.slice(0, -1) };
})();
/** Version 1 of the schema, as the API wrote it before the order lifecycle. */
const v1 = JSON.parse(readFileSync(fileURLToPath(new URL('./point-event.v1.avsc', import.meta.url)), 'utf8')) as avro.Schema;

/**
 * A registry client that knows schema 1 (ours), 2 (older) and 3 (version 1), answers 404 for others,
 * or fails while `down`, as @kafkajs/confluent-schema-registry does (errors with `status`).
 */
function fakeRegistry() {
  const calls: number[] = [];
  let down = false;
  const httpError = (status: number) => Object.assign(new Error(`registry answered ${status}`), { status });
  const source = {
    getSchema: async (id: number) => {
      calls.push(id);
      if (down) throw httpError(503);
      if (id === 1) return avro.Type.forSchema(JSON.parse(pointEventSchemaText) as avro.Schema);
      if (id === 2) return avro.Type.forSchema(older as avro.Schema);
      if (id === 3) return avro.Type.forSchema(v1);
      throw httpError(404);
    },
  };
  return {
    calls,
    source,
    setDown: (d: boolean) => {
      down = d;
    },
  };
}

describe('EventDecoder', () => {
  it('fetches a schema once, then decodes without waiting', async () => {
    const registry = fakeRegistry();
    const decoder = new EventDecoder(registry.source);
    const bytes = encodePointEvent(1, event);
    expect(decoder.decodeNow('u1', bytes)).toBeUndefined();
    expect(await decoder.decode('u1', bytes)).toEqual(event);
    expect(decoder.decodeNow('u1', bytes)).toEqual(event);
    expect(await decoder.decode('u1', bytes)).toEqual(event);
    expect(registry.calls).toEqual([1]);
  });

  it('reads messages written with an older schema through a resolver', async () => {
    const decoder = new EventDecoder(fakeRegistry().source);
    const body = avro.Type.forSchema(older as avro.Schema).toBuffer(event);
    const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), body]);
    const expected = { ...event, [lastField.name]: lastField.default };
    expect(await decoder.decode('u1', bytes)).toEqual(expected);
    expect(decoder.decodeNow('u1', bytes)).toEqual(expected);
  });

  it('reads messages written with version 1 of the schema: the version 2 fields come out as their defaults', async () => {
    const decoder = new EventDecoder(fakeRegistry().source);
    // The event as version 1 had it: without the version 2 fields (here at their defaults already).
    const { holdId, availableAt, heldAfter, pendingAfter, ...v1Event } = { ...event, orderId: 'o-1' };
    expect({ holdId, availableAt, heldAfter, pendingAfter }).toEqual({ holdId: null, availableAt: null, heldAfter: 0, pendingAfter: 0 });
    const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0, 3]), avro.Type.forSchema(v1).toBuffer(v1Event)]);
    const expected = { ...v1Event, holdId: null, availableAt: null, heldAfter: 0, pendingAfter: 0 };
    expect(await decoder.decode('u1', bytes)).toEqual(expected);
    expect(decoder.decodeNow('u1', bytes)).toEqual(expected);
  });

  it('gives the reason for poison without throwing on the synchronous path', async () => {
    const decoder = new EventDecoder(fakeRegistry().source);
    await decoder.decode('u1', encodePointEvent(1, event));
    expect(decoder.decodeNow('u1', Buffer.from('not avro at all'))).toMatch(/magic byte/);
    expect(decoder.decodeNow('u1', Buffer.from([0, 0]))).toMatch(/too short/);
    expect(decoder.decodeNow('someone-else', encodePointEvent(1, event))).toMatch(/is not the event's userId/);
    const truncated = encodePointEvent(1, event).subarray(0, 12);
    expect(decoder.decodeNow('u1', truncated)).toMatch(/Avro body does not decode/);
    await expect(decoder.decode('u1', Buffer.from('not avro at all'))).rejects.toBeInstanceOf(PoisonMessage);
  });

  it('remembers an unknown schema id for a while: one registry call for a burst of such messages', async () => {
    const registry = fakeRegistry();
    const decoder = new EventDecoder(registry.source);
    const bytes = encodePointEvent(77, event);
    await expect(decoder.decode('u1', bytes)).rejects.toThrow(/schema id 77 is unknown/);
    expect(decoder.decodeNow('u1', bytes)).toMatch(/schema id 77 is unknown/);
    await expect(decoder.decode('u1', bytes)).rejects.toBeInstanceOf(PoisonMessage);
    expect(registry.calls).toEqual([77]);
  });

  it('asks again after registry trouble (not poison: the runner retries)', async () => {
    const registry = fakeRegistry();
    const decoder = new EventDecoder(registry.source);
    const bytes = encodePointEvent(1, event);
    registry.setDown(true);
    const err = await decoder.decode('u1', bytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(PoisonMessage);
    registry.setDown(false);
    expect(await decoder.decode('u1', bytes)).toEqual(event);
    expect(registry.calls).toEqual([1, 1]);
  });

  it('a refused connection (the client reports it as status 400) is registry trouble, a schema that does not parse is poison', async () => {
    const refused = new EventDecoder({
      getSchema: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { status: 400 });
      },
    });
    const err = await refused.decode('u1', encodePointEvent(1, event)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(PoisonMessage);
    const unparsable = new EventDecoder({
      getSchema: async () => {
        throw new Error('unknown type: nope');
      },
    });
    await expect(unparsable.decode('u1', encodePointEvent(5, event))).rejects.toThrow(/schema 5 is not a usable Avro schema/);
    const notAvro = new EventDecoder({ getSchema: async () => ({ kind: 'json schema' }) });
    await expect(notAvro.decode('u1', encodePointEvent(6, event))).rejects.toThrow(/schema 6 is not an Avro schema/);
  });
});
