/** The pieces of the redrive protocol that need no Redis: its keys, and reading what the other side wrote. */
import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { isDone, letterField, parseLetterState, parseRequest, parseResult, redriveKeys } from './redrive-queue.ts';

describe('redrive keys', () => {
  it("puts every key of one projector in one hash slot (the scripts and MULTIs touch several), and another projector's elsewhere", () => {
    for (const projector of ['redis', 'clickhouse']) {
      const k = redriveKeys(projector);
      const keys = [k.requests, k.lock, k.taken, k.workers, k.letters, k.result('3f1c0d4e-0000-4000-8000-000000000000')];
      expect(new Set(keys.map((key) => calculateSlot(key))).size, projector).toBe(1);
      expect(new Set(keys).size).toBe(keys.length);
      // Not the read model's keys (a rebuild deletes [uio]:{*}*) nor a projector status's.
      for (const key of keys) expect(key).toMatch(/^ledger:dlq:\{redrive:/);
    }
    expect(redriveKeys('redis').lock).not.toBe(redriveKeys('clickhouse').lock);
  });

  it('refuses a projector name that would break the hash tag or the key', () => {
    for (const bad of ['', 'a}b', '{redis}', 'Redis', 'a:b', 'x'.repeat(41)]) expect(() => redriveKeys(bad), bad).toThrow(RangeError);
  });

  it('names a letter by its place in the dead-letter topic', () => {
    expect(letterField(0, 42)).toBe('0:42');
  });
});

describe('reading the other side', () => {
  it('a request as the API queues it, nothing else', () => {
    const r = { requestId: 'r-1', projector: 'redis', includeRedriven: true, requestedAt: '2026-12-03T10:00:00.000Z' };
    expect(parseRequest(JSON.stringify(r))).toEqual(r);
    expect(parseRequest(JSON.stringify({ ...r, includeRedriven: 'yes' }))).toEqual({ ...r, includeRedriven: false });
    for (const bad of [
      '',
      'nope',
      'null',
      '[]',
      JSON.stringify({ ...r, requestId: '' }),
      JSON.stringify({ ...r, projector: 'Bad}' }),
      JSON.stringify({ ...r, requestedAt: 1 }),
    ]) {
      expect(parseRequest(bad), bad).toBeNull();
    }
  });

  it('a result: the answer, or the reason it could not be done', () => {
    expect(parseResult(JSON.stringify({ requestId: 'r', ok: true, answer: { applied: 1 } }))).toEqual({ requestId: 'r', ok: true, answer: { applied: 1 } });
    expect(parseResult(JSON.stringify({ requestId: 'r', ok: false, error: 'store down' }))).toEqual({ requestId: 'r', ok: false, error: 'store down' });
    for (const bad of [
      null,
      '',
      'x',
      '{}',
      JSON.stringify({ requestId: 'r', ok: true }),
      JSON.stringify({ requestId: 'r', ok: false }),
      JSON.stringify({ ok: true, answer: 1 }),
    ]) {
      expect(parseResult(bad), String(bad)).toBeNull();
    }
  });

  it("a letter's state, and which states mean its event is in the read model", () => {
    const applied = { at: '2026-12-03T10:00:00.000Z', outcome: 'applied', requestId: 'r' };
    expect(parseLetterState(JSON.stringify(applied))).toEqual(applied);
    expect(parseLetterState(JSON.stringify({ ...applied, outcome: 'stillFailing', reason: 'gap' }))).toEqual({
      ...applied,
      outcome: 'stillFailing',
      reason: 'gap',
    });
    for (const bad of [null, undefined, '', 'x', JSON.stringify({ ...applied, outcome: 'maybe' }), JSON.stringify({ ...applied, at: 5 })]) {
      expect(parseLetterState(bad), String(bad)).toBeNull();
    }
    expect(isDone(parseLetterState(JSON.stringify(applied)))).toBe(true);
    expect(isDone(parseLetterState(JSON.stringify({ ...applied, outcome: 'alreadyApplied' })))).toBe(true);
    expect(isDone(parseLetterState(JSON.stringify({ ...applied, outcome: 'stillFailing', reason: 'x' })))).toBe(false);
    expect(isDone(null)).toBe(false);
  });
});
