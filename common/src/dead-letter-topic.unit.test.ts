/** A message of the dead-letter topic read as a letter: the headers run-projector.ts writes, and what is missing. */
import { describe, expect, it } from 'vitest';
import { letterOf } from './dead-letter-topic.ts';

describe('letterOf', () => {
  it('reads the headers a projector writes (kafkajs gives them as Buffers)', () => {
    const h = (s: string) => Buffer.from(s);
    const l = letterOf(0, {
      offset: '12',
      key: h('alice'),
      value: Buffer.from([1, 2]),
      headers: {
        id: h('event-1'),
        'dlq.reason': h('magic byte is 1, not 0'),
        'dlq.projector': h('clickhouse'),
        'dlq.topic': h('points.events'),
        'dlq.partition': h('4'),
        'dlq.offset': h('9007'),
        'dlq.at': h('2026-12-03T10:00:00.000Z'),
      },
    });
    expect(l).toEqual({
      dlqPartition: 0,
      dlqOffset: 12,
      key: 'alice',
      value: Buffer.from([1, 2]),
      projector: 'clickhouse',
      topic: 'points.events',
      partition: 4,
      offset: 9007,
      reason: 'magic byte is 1, not 0',
      at: '2026-12-03T10:00:00.000Z',
    });
  });

  it('leaves null what a message does not say, or says unreadably', () => {
    const l = letterOf(2, { offset: '0', key: null, value: null, headers: { 'dlq.partition': Buffer.from('x'), 'dlq.offset': Buffer.from('-1') } });
    expect(l).toMatchObject({ dlqPartition: 2, dlqOffset: 0, key: null, value: null, projector: null, partition: null, offset: null, reason: null, at: null });
    expect(letterOf(0, { offset: '3', key: null, value: null, headers: { 'dlq.projector': [Buffer.from('redis'), Buffer.from('x')] } }).projector).toBe(
      'redis',
    );
  });
});
