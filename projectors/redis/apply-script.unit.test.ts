import { describe, expect, it } from 'vitest';
import { pointEvent } from '../../schemas/point-event.ts';
import { historyItem } from '../shared/history-item.ts';
import { scriptArgs } from './apply-script.ts';
import { endsLot, lotChanges } from './model.ts';

describe('scriptArgs', () => {
  it('writes the structure as JSON the script decodes, awkward lot ids included, then one history item per event', () => {
    const base = { userId: 'u', occurredAt: Date.UTC(2026, 0, 1), balanceAfter: 9_007_199_254_740_991 };
    const events = [
      pointEvent({ ...base, eventId: 'e1', seq: 1, type: 'POINTS_GRANTED', amount: 10, grantId: 'g"1\\\n\u0001😀\ud800', expiresAt: Date.UTC(2126, 0, 1) }),
      pointEvent({ ...base, eventId: 'e2', seq: 2, type: 'POINTS_USED', amount: 7, useId: 'u1', allocations: [{ grantId: 'g"1\\\n\u0001😀\ud800', amount: 5 }, { grantId: 'plain', amount: 2 }] }),
      pointEvent({ ...base, eventId: 'e3', seq: 3, type: 'POINTS_REVOKED', amount: 3, grantId: 'plain' }),
    ];
    const out: string[] = [];
    scriptArgs(events, out);
    expect(out).toHaveLength(1 + events.length);
    expect(JSON.parse(out[0]!)).toEqual(events.map((e) => [
      e.seq, String(e.balanceAfter), String(e.occurredAt), endsLot(e) ? 1 : 0,
      e.type === 'POINTS_GRANTED' ? e.grantId : '', e.type === 'POINTS_GRANTED' ? String(e.expiresAt) : '',
      ...lotChanges(e).flatMap(([g, d]) => [g, String(d)]),
    ]));
    expect(out.slice(1).map((h) => JSON.parse(h))).toEqual(events.map(historyItem));
  });
});
