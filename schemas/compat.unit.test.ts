/**
 * Version 2 of the point event (point-event.avsc) is a BACKWARD-compatible evolution of
 * version 1 (point-event.v1.avsc, frozen): a reader with v2 reads every message a v1
 * writer put on the topic, and the registry accepts v2 over v1. Checked here with
 * avsc's schema resolution, the same the projectors' decoder uses.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import { pointEventSchemaText, pointEventSchemaVersions, pointEventType } from './event-codec.ts';
import { EVENT_TYPES, pointEvent, type PointEvent } from './point-event.ts';

type RecordSchema = { fields: { name: string; type: unknown; default?: unknown }[] };

const v1Text = readFileSync(fileURLToPath(new URL('./point-event.v1.avsc', import.meta.url)), 'utf8');
const v1Schema = JSON.parse(v1Text) as RecordSchema;
const v2Schema = JSON.parse(pointEventSchemaText) as RecordSchema;
const v1Type = avro.Type.forSchema(v1Schema as avro.Schema);

const V1_TYPES = ['POINTS_GRANTED', 'POINTS_USED', 'POINTS_USE_CANCELED', 'POINTS_EXPIRED', 'POINTS_REVOKED'] as const;
const V2_FIELDS = ['holdId', 'availableAt', 'heldAfter', 'pendingAfter'];

/** A version 1 message of each v1 type: the record as v1 had it (no v2 field at all). */
function v1Events(): Record<string, unknown>[] {
  const base = { eventId: 'e', userId: 'u1', occurredAt: 1_700_000_000_000, reason: null, source: null, orderId: null, cancellationId: null };
  const none = { grantId: null, useId: null, expiresAt: null, allocations: [] };
  return [
    { ...base, ...none, seq: 1, type: 'POINTS_GRANTED', amount: 100, balanceAfter: 100, grantId: 'g1', expiresAt: 1_800_000_000_000, source: 'signup' },
    { ...base, ...none, seq: 2, type: 'POINTS_USED', amount: 60, balanceAfter: 40, useId: 'u-1', allocations: [{ grantId: 'g1', amount: 60 }], orderId: 'o-1' },
    {
      ...base,
      ...none,
      seq: 3,
      type: 'POINTS_USE_CANCELED',
      amount: 10,
      balanceAfter: 50,
      useId: 'u-1',
      cancellationId: 'c-1',
      allocations: [{ grantId: 'g1', amount: 10 }],
    },
    { ...base, ...none, seq: 4, type: 'POINTS_EXPIRED', amount: 20, balanceAfter: 30, grantId: 'g1', expiresAt: 1_800_000_000_000 },
    { ...base, ...none, seq: 5, type: 'POINTS_REVOKED', amount: 30, balanceAfter: 0, grantId: 'g1', reason: 'fraud' },
  ];
}

describe('point event schema, version 1 → version 2', () => {
  it('v2 resolves v1 (BACKWARD): the resolver builds', () => {
    expect(() => pointEventType.createResolver(v1Type)).not.toThrow();
    // The versions the API registers, oldest first, end with what it writes.
    expect(pointEventSchemaVersions).toEqual([v1Text, pointEventSchemaText]);
  });

  it('reads every v1 message with v2: the v1 fields as written, holdId/availableAt null, heldAfter/pendingAfter 0', () => {
    const resolver = pointEventType.createResolver(v1Type);
    const written = v1Events();
    expect(written.map((e) => e.type)).toEqual([...V1_TYPES]);
    for (const e of written) {
      const read = pointEventType.fromBuffer(v1Type.toBuffer(e), resolver) as PointEvent;
      expect(read).toEqual({ ...e, holdId: null, availableAt: null, heldAfter: 0, pendingAfter: 0 });
      // What the domain would have built for the same facts today.
      expect(read).toEqual(pointEvent(e as Parameters<typeof pointEvent>[0]));
    }
  });

  it('v2 only adds: the v1 fields unchanged and in place, new fields with defaults, new type symbols at the end', () => {
    const v1Fields = v1Schema.fields.map((f) => f.name);
    expect(v2Schema.fields.slice(0, v1Fields.length).map((f) => f.name)).toEqual(v1Fields);
    for (const f of v1Schema.fields.filter((x) => x.name !== 'type')) {
      const v2 = v2Schema.fields.find((x) => x.name === f.name)!;
      expect({ field: f.name, type: v2.type, default: v2.default }).toEqual({ field: f.name, type: f.type, default: f.default });
    }
    const added = v2Schema.fields.slice(v1Fields.length);
    expect(added.map((f) => f.name)).toEqual(V2_FIELDS);
    for (const f of added) expect(f, f.name).toHaveProperty('default');
    const symbols = (s: RecordSchema) => (s.fields.find((f) => f.name === 'type')!.type as { symbols: string[] }).symbols;
    expect(symbols(v1Schema)).toEqual([...V1_TYPES]);
    expect(symbols(v2Schema)).toEqual([...EVENT_TYPES]);
    expect(symbols(v2Schema).slice(0, V1_TYPES.length)).toEqual(symbols(v1Schema));
  });

  it('is not FORWARD compatible: a v1 reader cannot resolve v2 (its enum lacks the new types), so readers move to v2 before writers do', () => {
    expect(() => v1Type.createResolver(pointEventType)).toThrow();
  });
});
