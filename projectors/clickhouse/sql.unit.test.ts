import { describe, expect, it } from 'vitest';
import { quote } from '../../common/src/clickhouse.ts';
import { checkDay, checkInt, checkMonth, inListChunks, quotedListChunks } from './sql.ts';

describe('inListChunks', () => {
  it('keeps every value once, in order, each chunk under the limit', () => {
    const values = Array.from({ length: 1000 }, (_, i) => `user-${i}-${'x'.repeat(i % 50)}`);
    const chunks = inListChunks(values, 5000);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat()).toEqual(values);
    for (const c of chunks) expect(c.reduce((s, v) => s + v.length * 2 + 4, 0)).toBeLessThanOrEqual(5000);
  });

  it('gives no chunk for no values and puts an oversized value alone', () => {
    expect(inListChunks([])).toEqual([]);
    expect(inListChunks(['a', 'b'.repeat(100), 'c'], 50)).toEqual([['a'], ['b'.repeat(100)], ['c']]);
  });
});

describe('quotedListChunks', () => {
  it('quotes every value once, in order, each piece within the byte limit', () => {
    const values = Array.from({ length: 1000 }, (_, i) => `user-${i}-${"é'\\".repeat(i % 20)}`);
    const chunks = quotedListChunks(values, 3000);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join(',')).toBe(values.map(quote).join(','));
    for (const c of chunks) expect(Buffer.byteLength(c)).toBeLessThanOrEqual(3000);
  });

  it('gives no piece for no values and puts an oversized value alone', () => {
    expect(quotedListChunks([])).toEqual([]);
    expect(quotedListChunks(['a', 'b'.repeat(100), 'c'], 50)).toEqual(["'a'", `'${'b'.repeat(100)}'`, "'c'"]);
  });
});

describe('checkDay, checkMonth and checkInt', () => {
  it('accept real days, months and integers in range', () => {
    expect(checkDay('2024-02-29', 'd')).toBe('2024-02-29');
    expect(checkMonth('1970-01', 'm')).toBe('1970-01');
    expect(checkMonth('2105-12', 'm')).toBe('2105-12');
    expect(checkInt(30, 'n', 1, 100)).toBe(30);
  });

  it('refuse what would not be a safe SQL value', () => {
    for (const bad of ['2023-02-29', '2024-13-01', '24-01-01', "2024-01-01' OR 1=1 --", '1969-12-31', '2106-01-01', '']) {
      expect(() => checkDay(bad, 'd'), bad).toThrow(RangeError);
    }
    for (const bad of ['2024-00', '2024-13', '2024-1', '24-01', '2024-01-01', "2024-01' OR 1=1 --", '1969-12', '2106-01', '']) {
      expect(() => checkMonth(bad, 'm'), bad).toThrow(RangeError);
    }
    for (const bad of [0, 101, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => checkInt(bad, 'n', 1, 100), String(bad)).toThrow(RangeError);
    }
  });
});
