/**
 * schemas/expiry-notice.avsc is the contract of points.notices: ExpiryNotice is exactly
 * its record, times are timestamp-millis longs as in the point event, and a notice
 * survives the Confluent wire format.
 */
import { describe, expect, it } from 'vitest';
import { decodeExpiryNotice, encodeExpiryNotice, expiryNoticeSchemaText, expiryNoticeType, type ExpiryNotice } from './expiry-notice.ts';

type Field = { name: string; type: unknown };
const schema = JSON.parse(expiryNoticeSchemaText) as { name: string; namespace: string; fields: Field[] };
const notice: ExpiryNotice = {
  noticeId: '01a2b3c4-0000-4000-8000-000000000001',
  userId: 'alice',
  grantId: '01a2b3c4-0000-4000-8000-000000000002',
  amount: 1_000_000_000,
  expiresAt: Date.UTC(2027, 0, 31, 23, 59, 59, 999),
  withinDays: 90,
  createdAt: Date.UTC(2027, 0, 1),
};

describe('expiry notice schema', () => {
  it('is the record ExpiryNotice with exactly the fields of the TypeScript type', () => {
    expect(`${schema.namespace}.${schema.name}`).toBe('ledger.points.ExpiryNotice');
    expect(schema.fields.map((f) => f.name).sort()).toEqual(Object.keys(notice).sort());
    const problems: string[] = [];
    expect(expiryNoticeType.isValid(notice, { errorHook: (path) => problems.push(path.join('.')) })).toBe(true);
    expect(problems).toEqual([]);
  });

  it('writes times as timestamp-millis longs and no field as optional', () => {
    const byName = new Map(schema.fields.map((f) => [f.name, f.type]));
    for (const name of ['expiresAt', 'createdAt']) expect(byName.get(name)).toEqual({ type: 'long', logicalType: 'timestamp-millis' });
    expect(byName.get('amount')).toBe('long');
    expect(byName.get('withinDays')).toBe('int');
    for (const f of schema.fields) expect(Array.isArray(f.type), f.name).toBe(false);
  });

  it('survives the wire format: magic byte 0, the schema id, the Avro body', () => {
    const bytes = encodeExpiryNotice(77, notice);
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(77);
    expect(decodeExpiryNotice(bytes)).toEqual({ schemaId: 77, notice });
    expect(() => decodeExpiryNotice(Buffer.from([1, 0, 0, 0, 77]))).toThrow('magic byte 0');
  });
});
