/** The list's cursor: positions in the dead-letter topic, round trip, and refusal of anything this API did not make. */
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './dead-letters-cursor.ts';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8').toString('base64url');

describe('dead-letter cursor', () => {
  it('gives back the positions it was made of, whatever their order, as an opaque URL-safe token', () => {
    const positions = new Map([
      [2, 17],
      [0, 123_456_789_012],
      [1, 0],
    ]);
    const c = encodeCursor(positions);
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c)).toEqual(positions);
    expect(encodeCursor(new Map([...positions].reverse()))).toBe(c);
    expect(decodeCursor(encodeCursor(new Map()))).toEqual(new Map());
  });

  it('refuses what is not one of its cursors', () => {
    const bad = [
      '',
      'not a cursor!',
      'a+b/c=',
      b64('not json'),
      b64(null),
      b64([]),
      b64({ p: [[0, 1]] }),
      b64({ v: 2, p: [[0, 1]] }),
      b64({ v: 1, p: {} }),
      b64({ v: 1, p: [[0]] }),
      b64({ v: 1, p: [[0, 1, 2]] }),
      b64({ v: 1, p: [[-1, 1]] }),
      b64({ v: 1, p: [[0, -1]] }),
      b64({ v: 1, p: [[0.5, 1]] }),
      b64({ v: 1, p: [[0, 1.5]] }),
      b64({ v: 1, p: [[0, '1']] }),
      b64({ v: 1, p: [[0, 2 ** 53]] }),
      b64({ v: 1, p: [[10_000, 1]] }),
      b64({
        v: 1,
        p: [
          [0, 1],
          [0, 2],
        ],
      }),
    ];
    for (const c of bad) expect(decodeCursor(c), c).toBeNull();
  });
});
