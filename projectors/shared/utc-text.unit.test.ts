import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isoText, utcDayText, utcTimeOfDayText } from './utc-text.ts';

describe('utc text', () => {
  it('isoText is Date.toISOString for any time, before 1970 and after 9999 included', () => {
    const iso = (ms: number) => {
      try {
        return new Date(ms).toISOString();
      } catch (e) {
        return (e as Error).name;
      }
    };
    const ours = (ms: number) => {
      try {
        return isoText(ms);
      } catch (e) {
        return (e as Error).name;
      }
    };
    for (const ms of [
      0,
      -1,
      1,
      86_399_999,
      86_400_000,
      951_782_400_000,
      253_402_300_799_999,
      253_402_300_800_000,
      8.64e15,
      8.64e15 + 1,
      -8.64e15,
      1.5,
      NaN,
      Infinity,
    ]) {
      expect(ours(ms), String(ms)).toBe(iso(ms));
    }
    fc.assert(
      fc.property(fc.integer({ min: -1e13, max: 3e14 }), (ms) => {
        expect(isoText(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('formats days and seconds of a day', () => {
    expect(utcDayText(0)).toBe('1970-01-01');
    expect(utcDayText(19_782)).toBe('2024-02-29');
    expect(utcTimeOfDayText(0)).toBe('00:00:00');
    expect(utcTimeOfDayText(86_399)).toBe('23:59:59');
    expect(utcTimeOfDayText(3_723)).toBe('01:02:03');
  });
});
