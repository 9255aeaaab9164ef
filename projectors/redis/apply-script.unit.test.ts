import { describe, expect, it } from 'vitest';
import { pointEvent } from '../../schemas/point-event.ts';
import { historyItem } from '../shared/history-item.ts';
import { ScriptKeys, scriptArgs, TYPE_CODE } from './apply-script.ts';
import { recordKey, userKeys } from './keys.ts';
import { EVENT_TYPES } from '../../schemas/point-event.ts';

describe('scriptArgs', () => {
  const base = { userId: 'u', occurredAt: Date.UTC(2026, 0, 1), balanceAfter: 9_007_199_254_740_991 };
  const odd = 'g"1\\\n\u0001😀\ud800';
  const events = [
    pointEvent({ ...base, eventId: 'e1', seq: 1, type: 'POINTS_GRANTED', amount: 10, grantId: odd, expiresAt: Date.UTC(2126, 0, 1), reason: 'r"' }),
    pointEvent({
      ...base,
      eventId: 'e2',
      seq: 2,
      type: 'POINTS_USED',
      amount: 7,
      useId: 'u1',
      orderId: 'o:1',
      allocations: [
        { grantId: odd, amount: 5 },
        { grantId: 'plain', amount: 2 },
      ],
    }),
    pointEvent({ ...base, eventId: 'e3', seq: 3, type: 'POINTS_REVOKED', amount: 3, grantId: 'plain' }),
    pointEvent({
      ...base,
      eventId: 'e4',
      seq: 4,
      type: 'POINTS_HELD',
      amount: 2,
      holdId: 'h1',
      expiresAt: 77,
      heldAfter: 2,
      allocations: [{ grantId: odd, amount: 2 }],
    }),
    pointEvent({
      ...base,
      eventId: 'e5',
      seq: 5,
      type: 'POINTS_USED',
      amount: 2,
      useId: 'u2',
      holdId: 'h1',
      heldAfter: 0,
      allocations: [{ grantId: odd, amount: 2 }],
    }),
    pointEvent({
      ...base,
      eventId: 'e6',
      seq: 6,
      type: 'POINTS_USE_CANCELED',
      amount: 1,
      useId: 'u1',
      cancellationId: 'c1',
      allocations: [{ grantId: 'plain', amount: 1 }],
    }),
  ];

  it('writes the structure as JSON the script decodes, awkward ids included, then one history item per event', () => {
    const keys = new ScriptKeys('u');
    const out: string[] = [];
    scriptArgs(events, keys, out);
    expect(out).toHaveLength(1 + events.length);
    const k = userKeys('u');
    expect(keys.keys).toEqual([
      k.wallet,
      k.remaining,
      k.expiry,
      k.history,
      k.holds,
      recordKey('u', 'grant', odd),
      recordKey('u', 'use', 'u1'),
      recordKey('u', 'grant', 'plain'),
      recordKey('u', 'hold', 'h1'),
      recordKey('u', 'use', 'u2'),
    ]);
    const s = JSON.parse(out[0]!) as unknown[][];
    expect(s.map((e) => e.slice(0, 6))).toEqual(
      events.map((e) => [e.seq, String(e.balanceAfter), String(e.heldAfter), String(e.pendingAfter), String(e.occurredAt), TYPE_CODE[e.type]]),
    );
    // A grant: its record key, id, amount, expiry, the record's fields; it brings its lot in itself.
    expect(s[0]!.slice(6)).toEqual([
      6,
      odd,
      '10',
      String(Date.UTC(2126, 0, 1)),
      0,
      ['state', 'ACTIVE', 'amount', '10', 'remaining', '10', 'expiresAt', String(Date.UTC(2126, 0, 1)), 'createdAt', String(base.occurredAt), 'reason', 'r"'],
      [],
    ]);
    // A use: its lots by their record keys.
    expect(s[1]![6]).toBe(7);
    expect(s[1]![12]).toEqual([6, odd, '-5', 8, 'plain', '-2']);
    expect(s[2]!.slice(6, 8)).toEqual([0, '']);
    expect(s[2]![12]).toEqual([8, 'plain', '-3']);
    // A capture names the hold (its key and id) and moves no lot.
    expect(s[4]!.slice(6, 11)).toEqual([10, 'u2', '2', 'h1', 9]);
    expect(s[4]![12]).toEqual([]);
    // A cancellation carries its JSON item.
    expect(JSON.parse(s[5]![9] as string)).toEqual({ cancellationId: 'c1', amount: 1, occurredAt: '2026-01-01T00:00:00.000Z' });
    expect(out.slice(1).map((h) => JSON.parse(h))).toEqual(events.map(historyItem));
  });

  it('has a code for every event type', () => {
    expect(new Set(EVENT_TYPES.map((t) => TYPE_CODE[t])).size).toBe(EVENT_TYPES.length);
  });
});
