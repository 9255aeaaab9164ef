import { describe, expect, it } from 'vitest';
import { chunksBySize } from './run-projector.ts';

const msg = (bytes: number) => ({ key: Buffer.from('k'), value: Buffer.alloc(bytes - 1), headers: {} });

describe('dead letters are sent in runs below the broker limit', () => {
  it('splits by size, keeps the order and every message', () => {
    const messages = Array.from({ length: 10 }, () => msg(100));
    const chunks = chunksBySize(messages, 250);
    expect(chunks.map((c) => c.length)).toEqual([2, 2, 2, 2, 2]);
    expect(chunks.flat()).toEqual(messages);
  });

  it('counts the headers, and sends a message larger than the limit alone', () => {
    const withHeaders = { key: null, value: Buffer.alloc(50), headers: { 'dlq.reason': 'x'.repeat(100) } };
    expect(chunksBySize([withHeaders, withHeaders], 200).length).toBe(2);
    const big = msg(1000);
    expect(chunksBySize([msg(10), big, msg(10)], 100).map((c) => c.length)).toEqual([1, 1, 1]);
    expect(chunksBySize([], 100)).toEqual([]);
  });
});
