import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PointEvent } from '../../schemas/point-event.ts';
import { MAX_DATETIME_MS, toDateTimeText, toDayText, toRow, toTsvLine, TSV_COLUMNS } from './rows.ts';
import { event } from './test/events.ts';

describe('toRow', () => {
  it('keeps every field of a grant and derives the UTC time columns', () => {
    const e = event('u1', 3, 'POINTS_GRANTED', 500, {
      eventId: 'ev-1',
      balanceAfter: 700,
      occurredAt: Date.UTC(2024, 1, 29, 23, 59, 58, 999),
      grantId: 'g-1',
      expiresAt: Date.UTC(2025, 1, 28, 12, 0, 0, 250),
      reason: "welcome 'bonus'",
      source: 'campaign-x',
    });
    expect(toRow(e)).toEqual({
      eventId: 'ev-1',
      userId: 'u1',
      seq: 3,
      type: 'POINTS_GRANTED',
      amount: 500,
      balanceAfter: 700,
      occurredAt: '2024-02-29 23:59:58',
      occurredAtMs: Date.UTC(2024, 1, 29, 23, 59, 58, 999),
      day: '2024-02-29',
      grantId: 'g-1',
      useId: null,
      cancellationId: null,
      expiresAt: '2025-02-28 12:00:00',
      expiresAtMs: Date.UTC(2025, 1, 28, 12, 0, 0, 250),
      allocGrantIds: [],
      allocAmounts: [],
      reason: "welcome 'bonus'",
      source: 'campaign-x',
      orderId: null,
      holdId: null,
      availableAt: null,
      availableAtMs: null,
      heldAfter: 0,
      pendingAfter: 0,
    });
  });

  it('splits allocations into two parallel arrays, in order', () => {
    const e = event('u1', 4, 'POINTS_USED', 70, {
      useId: 'use-1',
      orderId: 'o-9',
      allocations: [
        { grantId: 'g-2', amount: 50 },
        { grantId: 'g-1', amount: 20 },
      ],
    });
    const row = toRow(e);
    expect(row.allocGrantIds).toEqual(['g-2', 'g-1']);
    expect(row.allocAmounts).toEqual([50, 20]);
    expect(row.useId).toBe('use-1');
    expect(row.orderId).toBe('o-9');
    expect(row.expiresAt).toBeNull();
    expect(row.expiresAtMs).toBeNull();
  });

  it('keeps the exact expiry in expiresAtMs when DateTime cannot hold it (100-year grants)', () => {
    const far = Date.UTC(2124, 5, 1);
    const row = toRow(event('u1', 1, 'POINTS_GRANTED', 1, { grantId: 'g', expiresAt: far }));
    expect(row.expiresAt).toBe('2105-12-31 23:59:59');
    expect(row.expiresAtMs).toBe(far);
  });

  it('keeps a pending grant: availableAt as UTC text and exact ms, pendingAfter', () => {
    const row = toRow(
      event('u1', 1, 'POINTS_GRANT_PENDING', 60, {
        grantId: 'g-p',
        availableAt: Date.UTC(2024, 5, 5, 0, 0, 0, 500),
        expiresAt: Date.UTC(2024, 5, 25),
        orderId: 'o-1',
        balanceAfter: 0,
        pendingAfter: 60,
      }),
    );
    expect(row).toMatchObject({
      type: 'POINTS_GRANT_PENDING',
      grantId: 'g-p',
      availableAt: '2024-06-05 00:00:00',
      availableAtMs: Date.UTC(2024, 5, 5, 0, 0, 0, 500),
      expiresAt: '2024-06-25 00:00:00',
      orderId: 'o-1',
      holdId: null,
      heldAfter: 0,
      pendingAfter: 60,
      allocGrantIds: [],
    });
  });

  it('keeps an activation: the lot, its points, and pending moved into the balance', () => {
    const row = toRow(event('u1', 2, 'POINTS_GRANT_ACTIVATED', 60, { grantId: 'g-p', reason: 'available', balanceAfter: 60, pendingAfter: 0 }));
    expect(row).toMatchObject({
      type: 'POINTS_GRANT_ACTIVATED',
      grantId: 'g-p',
      amount: 60,
      balanceAfter: 60,
      pendingAfter: 0,
      availableAt: null,
      expiresAt: null,
    });
  });

  it("keeps a hold: holdId, the lots held from, the hold's expiry, heldAfter", () => {
    const row = toRow(
      event('u1', 3, 'POINTS_HELD', 40, {
        holdId: 'h-1',
        orderId: 'o-2',
        expiresAt: Date.UTC(2024, 5, 2, 9, 15),
        allocations: [
          { grantId: 'g-1', amount: 30 },
          { grantId: 'g-2', amount: 10 },
        ],
        balanceAfter: 20,
        heldAfter: 40,
      }),
    );
    expect(row).toMatchObject({
      type: 'POINTS_HELD',
      holdId: 'h-1',
      grantId: null,
      useId: null,
      orderId: 'o-2',
      expiresAt: '2024-06-02 09:15:00',
      expiresAtMs: Date.UTC(2024, 5, 2, 9, 15),
      allocGrantIds: ['g-1', 'g-2'],
      allocAmounts: [30, 10],
      balanceAfter: 20,
      heldAfter: 40,
    });
  });

  it('keeps a release (the lots given back to) and a capture (a use carrying its holdId)', () => {
    const release = toRow(
      event('u1', 5, 'POINTS_HOLD_RELEASED', 10, { holdId: 'h-1', allocations: [{ grantId: 'g-2', amount: 10 }], balanceAfter: 30, heldAfter: 0 }),
    );
    expect(release).toMatchObject({ type: 'POINTS_HOLD_RELEASED', holdId: 'h-1', allocGrantIds: ['g-2'], allocAmounts: [10], heldAfter: 0 });
    const capture = toRow(
      event('u1', 4, 'POINTS_USED', 30, {
        useId: 'use-9',
        holdId: 'h-1',
        orderId: 'o-2',
        allocations: [{ grantId: 'g-1', amount: 30 }],
        balanceAfter: 20,
        heldAfter: 10,
      }),
    );
    expect(capture).toMatchObject({ type: 'POINTS_USED', useId: 'use-9', holdId: 'h-1', allocGrantIds: ['g-1'], allocAmounts: [30], heldAfter: 10 });
  });

  it('keeps a partial revocation of a pending lot', () => {
    const row = toRow(event('u1', 6, 'POINTS_REVOKED', 20, { grantId: 'g-p', reason: 'order returned in part', balanceAfter: 30, pendingAfter: 40 }));
    expect(row).toMatchObject({ type: 'POINTS_REVOKED', grantId: 'g-p', amount: 20, pendingAfter: 40, heldAfter: 0 });
  });

  it('has a column for every field of the event (and the derived ones), in TSV_COLUMNS order', () => {
    const e = event('u1', 1, 'POINTS_HELD', 1, { holdId: 'h', availableAt: 5, heldAfter: 1 });
    expect(Object.keys(toRow(e))).toEqual([...TSV_COLUMNS]);
    const derived = new Set(['occurredAtMs', 'day', 'expiresAtMs', 'availableAtMs', 'allocGrantIds', 'allocAmounts']);
    const fields = Object.keys(e).filter((k) => k !== 'allocations');
    expect(TSV_COLUMNS.filter((c) => !derived.has(c)).sort()).toEqual(fields.sort());
  });

  it('does not change the event', () => {
    const e = event('u1', 2, 'POINTS_USE_CANCELED', 5, { useId: 'x', allocations: [{ grantId: 'g', amount: 5 }] });
    const copy = structuredClone(e);
    toRow(e);
    expect(e).toEqual(copy);
  });
});

describe('time text', () => {
  it('formats UTC, drops milliseconds, clamps to what DateTime and Date hold', () => {
    expect(toDateTimeText(0)).toBe('1970-01-01 00:00:00');
    expect(toDateTimeText(Date.UTC(2024, 11, 31, 23, 59, 59, 999))).toBe('2024-12-31 23:59:59');
    expect(toDateTimeText(-5)).toBe('1970-01-01 00:00:00');
    expect(toDateTimeText(MAX_DATETIME_MS + 1)).toBe('2105-12-31 23:59:59');
    expect(toDayText(Date.UTC(2024, 11, 31, 23, 59, 59, 999))).toBe('2024-12-31');
    expect(toDayText(Date.UTC(3000, 0, 1))).toBe('2105-12-31');
  });
});

/** A TabSeparated line read back the way ClickHouse reads it (escapes, \N, quoted array elements). */
function readTsvLine(line: string): Record<string, unknown> {
  const unescapeTsv = (v: string) =>
    v.replace(/\\(.)/gs, (_, c: string) => (({ t: '\t', n: '\n', r: '\r', '0': '\0', b: '\b', f: '\f' }) as Record<string, string>)[c] ?? c);
  const fields = line.split('\t');
  expect(fields).toHaveLength(TSV_COLUMNS.length);
  const numeric = new Set(['seq', 'amount', 'balanceAfter', 'occurredAtMs', 'expiresAtMs', 'availableAtMs', 'heldAfter', 'pendingAfter']);
  const out: Record<string, unknown> = {};
  TSV_COLUMNS.forEach((col, i) => {
    const f = fields[i]!;
    if (col === 'allocGrantIds') out[col] = [...f.slice(1, -1).matchAll(/'((?:[^'\\]|\\.)*)'/gs)].map((m) => unescapeTsv(m[1]!));
    else if (col === 'allocAmounts') out[col] = f === '[]' ? [] : f.slice(1, -1).split(',').map(Number);
    else if (f === '\\N') out[col] = null;
    else out[col] = numeric.has(col) ? Number(f) : unescapeTsv(f);
  });
  return out;
}

describe('toTsvLine', () => {
  const base = (more: Partial<PointEvent>) => event('u1', 7, 'POINTS_USED', 70, more);

  it('holds the values of toRow, for plain and awkward strings alike', () => {
    const cases: PointEvent[] = [
      base({
        useId: 'use-1',
        orderId: 'o-9',
        allocations: [
          { grantId: 'g-2', amount: 50 },
          { grantId: 'g-1', amount: 20 },
        ],
      }),
      event('u"x\\y', 1, 'POINTS_GRANTED', 1, { grantId: 'g\n1', expiresAt: Date.UTC(2124, 5, 1), reason: "tab\there 'q' \\N \r\b\f\0 é 😀", source: '\\' }),
      event('u1', 2, 'POINTS_EXPIRED', 3, { grantId: 'g', occurredAt: -5, expiresAt: 0, reason: '\\N' }),
      event('u1', 3, 'POINTS_USE_CANCELED', 5, {
        useId: 'x',
        cancellationId: 'c',
        allocations: [
          { grantId: "it's, [a]\t", amount: 5 },
          { grantId: '\\', amount: 1 },
        ],
      }),
      base({ occurredAt: Date.UTC(2105, 11, 31, 23, 59, 59, 999) + 1, allocations: [] }),
      // Schema version 2: every new type, with the new fields set.
      event('u1', 8, 'POINTS_GRANT_PENDING', 60, {
        grantId: 'g-p',
        availableAt: Date.UTC(2124, 0, 1, 0, 0, 0, 7),
        expiresAt: Date.UTC(2124, 5, 1),
        orderId: 'o\t1',
        pendingAfter: 60,
      }),
      event('u1', 9, 'POINTS_GRANT_ACTIVATED', 60, { grantId: 'g-p', reason: 'available', pendingAfter: 0, balanceAfter: 60 }),
      event('u1', 10, 'POINTS_HELD', 40, {
        holdId: "h'1",
        expiresAt: Date.UTC(2024, 0, 1, 0, 15),
        allocations: [
          { grantId: 'g-p', amount: 30 },
          { grantId: 'g-1', amount: 10 },
        ],
        heldAfter: 40,
        balanceAfter: 20,
      }),
      base({ useId: 'use-2', holdId: "h'1", allocations: [{ grantId: 'g-p', amount: 30 }], heldAfter: 10 }),
      event('u1', 11, 'POINTS_HOLD_RELEASED', 10, { holdId: "h'1", allocations: [{ grantId: 'g-1', amount: 10 }], heldAfter: 0, balanceAfter: 30 }),
      event('u1', 12, 'POINTS_REVOKED', 5, { grantId: 'g-p', heldAfter: Number.MAX_SAFE_INTEGER, pendingAfter: 3 }),
    ];
    for (const e of cases) {
      expect(toTsvLine(e)).not.toMatch(/\n/);
      expect(readTsvLine(toTsvLine(e))).toEqual(toRow(e));
    }
  });

  it('holds any string and time', () => {
    const awkward = fc.string({ unit: fc.constantFrom('\\', '\t', '\n', '\r', '\0', '\b', '\f', "'", '"', 'a', 'N', ',', '[', ']', 'é', '😀') });
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: MAX_DATETIME_MS + 1000 }), fc.string({ unit: 'grapheme' }), awkward, awkward, (ms, reason, userId, grantId) => {
        const e = event(userId, 1, 'POINTS_USED', 1, { useId: 'u', occurredAt: ms, expiresAt: ms + 1, reason, allocations: [{ grantId, amount: 1 }] });
        expect(readTsvLine(toTsvLine(e))).toEqual(toRow(e));
        const t = Math.min(Math.max(ms, 0), MAX_DATETIME_MS);
        expect(toDateTimeText(ms)).toBe(new Date(Math.floor(t / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' '));
        expect(toDayText(ms)).toBe(new Date(t).toISOString().slice(0, 10));
      }),
      { numRuns: 2000 },
    );
  });
});
