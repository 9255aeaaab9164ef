/** A page of the dead-letter list out of one read of the topic, the cursor after it, and a letter as the API answers it. */
import { describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../../common/src/dead-letter-topic.ts';
import { itemOf, pageOf } from './dead-letters.ts';

const letter = (dlqPartition: number, dlqOffset: number): DeadLetter => ({
  dlqPartition,
  dlqOffset,
  key: `u-${dlqPartition}-${dlqOffset}`,
  value: Buffer.from([0, 1, 2]),
  projector: 'redis',
  topic: 'points.events',
  partition: 3,
  offset: 40 + dlqOffset,
  reason: 'magic byte is 1, not 0',
  at: '2026-12-03T10:00:00.000Z',
});
const at = (l: DeadLetter[]) => l.map((x) => `${x.dlqPartition}:${x.dlqOffset}`);

describe('pageOf', () => {
  it('is the last page when the read found no more than the limit: no cursor', () => {
    const read = { letters: [letter(0, 1), letter(0, 5)], positions: new Map([[0, 9]]) };
    expect(pageOf(read, new Map(), 2)).toEqual({ letters: read.letters, next: null });
    expect(pageOf({ letters: [], positions: new Map([[0, 9]]) }, new Map(), 100)).toEqual({ letters: [], next: null });
  });

  it('goes on right after the last letter of the page in its partition', () => {
    // perPartitionLimit = limit + 1 read one letter more than the page holds.
    const read = { letters: [letter(0, 1), letter(0, 5), letter(0, 7)], positions: new Map([[0, 8]]) };
    const { letters, next } = pageOf(read, new Map(), 2);
    expect(at(letters)).toEqual(['0:1', '0:5']);
    expect(next).toEqual(new Map([[0, 6]]));
  });

  it('over several partitions: those before the last letter are done, those after start again where this page started them', () => {
    const read = {
      letters: [letter(0, 4), letter(1, 2), letter(1, 3), letter(2, 0)],
      positions: new Map([
        [0, 10],
        [1, 4],
        [2, 1],
      ]),
    };
    const from = new Map([
      [0, 3],
      [2, 0],
    ]);
    const { letters, next } = pageOf(read, from, 2);
    expect(at(letters)).toEqual(['0:4', '1:2']);
    expect(next).toEqual(
      new Map([
        [0, 10],
        [1, 3],
        [2, 0],
      ]),
    );
    // A partition the page started at its beginning stays out of the cursor (it starts at its beginning again).
    expect(pageOf(read, new Map(), 2).next).toEqual(
      new Map([
        [0, 10],
        [1, 3],
      ]),
    );
  });
});

describe('itemOf', () => {
  it("answers the letter's original place on points.events, its payload in base64 and its redrive state", () => {
    const state = { at: '2026-12-03T11:00:00.000Z', outcome: 'applied' as const, requestId: 'r1' };
    expect(itemOf(letter(0, 7), state)).toEqual({
      projector: 'redis',
      partition: 3,
      offset: 47,
      key: 'u-0-7',
      reason: 'magic byte is 1, not 0',
      at: '2026-12-03T10:00:00.000Z',
      payloadBase64: 'AAEC',
      dlqPartition: 0,
      dlqOffset: 7,
      redrive: state,
    });
  });

  it('says what is missing of a letter without the headers a projector writes', () => {
    const bare: DeadLetter = { ...letter(1, 2), key: null, value: null, projector: null, topic: null, partition: null, offset: null, reason: null, at: null };
    expect(itemOf(bare, undefined)).toEqual({
      projector: 'unknown',
      partition: -1,
      offset: -1,
      key: null,
      reason: '(no dlq.reason header)',
      at: null,
      payloadBase64: '',
      dlqPartition: 1,
      dlqOffset: 2,
    });
  });
});
