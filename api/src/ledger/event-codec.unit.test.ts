/**
 * schemas/point-event.avsc is the contract (STYLE.md §7): the domain's PointEvent
 * must be exactly its record. Events of every type that decide() produces are
 * checked against the schema field by field, and survive the wire format.
 */
import { describe, expect, it } from 'vitest';
import { decide } from '../points/decide.ts';
import { evolve } from '../points/evolve.ts';
import { EVENT_TYPES, emptyWallet, type Command, type PointEvent } from '../points/types.ts';
import { decodePointEvent, encodePointEvent, pointEventSchemaText, pointEventType } from './event-codec.ts';

const DAY = 86_400_000;

function everyEventType(): PointEvent[] {
  let id = 0;
  const newId = () => `00000000-0000-4000-8000-${String(++id).padStart(12, '0')}`;
  let wallet = emptyWallet('user-1');
  const all: PointEvent[] = [];
  const run = (cmd: Command, now: number) => {
    const events = decide(cmd, wallet, now, newId);
    wallet = events.reduce(evolve, wallet);
    all.push(...events);
    return events;
  };
  const t0 = Date.UTC(2026, 0, 1);
  run({ kind: 'grant', userId: 'user-1', grantId: 'g-short', amount: 100, expiresAt: t0 + DAY, reason: 'r', source: 'signup' }, t0);
  run({ kind: 'grant', userId: 'user-1', grantId: 'g-long', amount: 500, expiresAt: t0 + 30 * DAY, reason: 'r', source: null }, t0);
  const used = run({ kind: 'use', userId: 'user-1', useId: 'use-1', amount: 150, orderId: 'o-1', reason: null }, t0);
  run({ kind: 'cancelUse', userId: 'user-1', useId: used[0]!.useId!, cancellationId: 'c-1', amount: 120, reason: 'returned' }, t0 + 2 * DAY);
  // Version 2: a pending grant and its activation, a hold captured in part (a use with holdId, and a release).
  const pendingGrant = { kind: 'grant', userId: 'user-1', grantId: 'g-pend', amount: 300, expiresAt: t0 + 60 * DAY, reason: 'r', source: 'shop' } as const;
  run({ ...pendingGrant, orderId: 'o-2', availableAt: t0 + 10 * DAY }, t0 + 2 * DAY);
  run({ kind: 'activate', userId: 'user-1', grantId: 'g-pend', reason: null }, t0 + 2 * DAY);
  run({ kind: 'hold', userId: 'user-1', holdId: 'h-1', amount: 200, orderId: 'o-3', reason: 'checkout', ttlSeconds: 900 }, t0 + 2 * DAY);
  run({ kind: 'capture', userId: 'user-1', holdId: 'h-1', useId: 'use-2', amount: 50, reason: null }, t0 + 2 * DAY);
  run({ kind: 'revoke', userId: 'user-1', grantId: 'g-long', reason: 'fraud' }, t0 + 3 * DAY);
  return all;
}

describe('point event schema', () => {
  const fields = (JSON.parse(pointEventSchemaText) as { fields: { name: string }[] }).fields.map((f) => f.name);
  const events = everyEventType();

  it('covers every event type of the domain', () => {
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(EVENT_TYPES));
    const symbols = (JSON.parse(pointEventSchemaText) as { fields: { name: string; type: { symbols?: string[] } }[] }).fields.find((f) => f.name === 'type')!
      .type.symbols;
    expect(symbols).toEqual([...EVENT_TYPES]);
  });

  it('has exactly the fields of the TypeScript PointEvent, and every event is valid', () => {
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual([...fields].sort());
      const problems: string[] = [];
      const ok = pointEventType.isValid(e, { errorHook: (path) => problems.push(path.join('.')) });
      expect(problems, `${e.type} fields that do not fit the schema`).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('round-trips through the Confluent wire format', () => {
    for (const e of events) {
      const bytes = encodePointEvent(42, e);
      expect(bytes[0]).toBe(0);
      expect(bytes.readInt32BE(1)).toBe(42);
      expect(decodePointEvent(bytes)).toEqual({ schemaId: 42, event: e });
    }
  });

  it('refuses bytes that are not the wire format', () => {
    expect(() => decodePointEvent(Buffer.from([1, 0, 0, 0, 1, 2]))).toThrow('magic byte');
  });
});
