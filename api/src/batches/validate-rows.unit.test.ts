import { describe, expect, it } from 'vitest';
import { BATCH_HEADER, parseCsv, parseJson, type Parsed } from './parse-rows.ts';
import { PROBLEMS_LISTED, validateRows, type Validated } from './validate-rows.ts';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const DAY = 86_400_000;

const check = (p: Parsed): Promise<Validated> => {
  if (!p.ok) throw new Error(`not parsed: ${JSON.stringify(p.problems)}`);
  return validateRows(p.rows, NOW);
};
const csv = async (...lines: string[]) => check(await parseCsv(`${[BATCH_HEADER, ...lines].join('\n')}\n`));
const problemsOf = (v: Validated) => {
  if (v.ok) throw new Error('valid, but problems were expected');
  return v.problems;
};

describe('valid rows', () => {
  it('become grants with their times in ms, nothing computed yet (validDays counts when the row runs)', async () => {
    const v = await csv('r1,alice,100,30,,,welcome,,', 'r2,bob,5,,2027-01-01T00:00:00Z,2026-12-24T00:00:00+01:00,promo,shop,order-7');
    expect(v).toEqual({
      ok: true,
      rows: [
        {
          ref: 'r1',
          line: 2,
          grant: { userId: 'alice', amount: 100, validDays: 30, expiresAt: null, availableAt: null, reason: 'welcome', source: null, orderId: null },
        },
        {
          ref: 'r2',
          line: 3,
          grant: {
            userId: 'bob',
            amount: 5,
            validDays: null,
            expiresAt: Date.parse('2027-01-01T00:00:00Z'),
            availableAt: Date.parse('2026-12-23T23:00:00Z'),
            reason: 'promo',
            source: 'shop',
            orderId: 'order-7',
          },
        },
      ],
    });
  });

  it('take the same fields as JSON', async () => {
    const v = await check(parseJson({ items: [{ ref: 'a', userId: 'alice', amount: 7, reason: 'x', validDays: 10, orderId: 'o-1' }] }));
    expect(v.ok && v.rows[0]).toEqual({
      ref: 'a',
      line: 1,
      grant: { userId: 'alice', amount: 7, validDays: 10, expiresAt: null, availableAt: null, reason: 'x', source: null, orderId: 'o-1' },
    });
  });
});

describe('bad rows', () => {
  it('lists every bad row by ref and line with the grant route own rules, and gives no row back', async () => {
    const past = new Date(NOW - DAY).toISOString();
    const v = await csv(
      'ok1,alice,10,,,,fine,,',
      'r2,alice,0,,,,zero,,', // Amount minimum
      'r3,alice,abc,,,,text,,', // not an integer
      'r4,bad user!,1,,,,x,,', // userId pattern
      'r5,alice,1,,,,,,', // reason required
      `r6,alice,1,,${past},,past,,`, // the domain: expiresAt in the future
      'r7,alice,1,30,2027-01-01T00:00:00Z,,both,,', // the route: expiresAt or validDays
      'r8,alice,1,,2027-01-01T00:00:00Z,2027-02-01T00:00:00Z,late,,', // the domain: availableAt before expiresAt
      'r9,alice,1,,not-a-time,,x,,', // date-time format
      'ok2,bob,1,,,,fine,,',
    );
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.badRows).toBe(8);
    expect(v.problems.map((p) => [p.line, p.ref, p.field])).toEqual([
      [3, 'r2', 'amount'],
      [4, 'r3', 'amount'],
      [5, 'r4', 'userId'],
      [6, 'r5', 'reason'],
      [7, 'r6', 'expiresAt'],
      [8, 'r7', 'validDays'],
      [9, 'r8', 'availableAt'],
      [10, 'r9', 'expiresAt'],
    ]);
    expect(v.problems[0]!.message).toBe('must be >= 1');
    expect(v.problems[1]!.message).toBe('must be integer');
    expect(v.problems[4]!.message).toBe('expiresAt must be in the future');
    expect(v.problems[5]!.message).toBe('give expiresAt or validDays, not both');
  });

  it('needs a ref on every row, of 1-64 chars of [A-Za-z0-9_.:-]', async () => {
    const p = problemsOf(await csv(',alice,1,,,,x,,', 'has space,alice,1,,,,x,,', `${'x'.repeat(65)},alice,1,,,,x,,`, 'ok,alice,1,,,,x,,'));
    expect(p.map((x) => [x.line, x.ref, x.field, x.message])).toEqual([
      [2, null, 'ref', 'is required'],
      [3, 'has space', 'ref', 'must be 1-64 chars of [A-Za-z0-9_.:-]'],
      [4, 'x'.repeat(65), 'ref', 'must be 1-64 chars of [A-Za-z0-9_.:-]'],
    ]);
    const json = problemsOf(await check(parseJson({ items: [{ ref: 5, userId: 'alice', amount: 1, reason: 'x' }] })));
    expect(json).toEqual([{ ref: null, line: 1, field: 'ref', message: 'must be 1-64 chars of [A-Za-z0-9_.:-]' }]);
  });

  it('refuses a ref that repeats, naming the line that has it first', async () => {
    const p = problemsOf(await csv('a,alice,1,,,,x,,', 'b,alice,1,,,,x,,', 'a,bob,1,,,,x,,', 'a,carol,1,,,,x,,'));
    expect(p).toEqual([
      { ref: 'a', line: 4, field: 'ref', message: 'repeats the ref of line 2' },
      { ref: 'a', line: 5, field: 'ref', message: 'repeats the ref of line 2' },
    ]);
  });

  it('lists a row with the wrong number of cells, and a JSON item with an unknown field or of the wrong type', async () => {
    expect(problemsOf(await csv('a,alice,1,,,,x,', 'b,alice,1,,,,x,,'))).toEqual([
      { ref: 'a', line: 2, field: 'row', message: 'has 8 cells; the header has 9' },
    ]);
    const p = problemsOf(
      await check(
        parseJson({
          items: [{ ref: 'a', userId: 'alice', amount: 1, reason: 'x', colour: 'red' }, { ref: 'b', userId: 'alice', amount: '1', reason: 'x' }, 'c'],
        }),
      ),
    );
    expect(p).toEqual([
      { ref: 'a', line: 1, field: 'colour', message: 'is not a known field' },
      { ref: 'b', line: 2, field: 'amount', message: 'must be integer' },
      { ref: null, line: 3, field: 'row', message: 'must be an object' },
    ]);
  });

  it(`lists at most ${PROBLEMS_LISTED} problems, and counts every bad row`, async () => {
    const lines = Array.from({ length: 1500 }, (_, i) => `r${i},alice,0,,,,x,,`);
    const v = await csv(...lines);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.badRows).toBe(1500);
    expect(v.problems).toHaveLength(PROBLEMS_LISTED);
    expect(v.problems.at(-1)).toMatchObject({ ref: `r${PROBLEMS_LISTED - 1}`, line: PROBLEMS_LISTED + 1 });
  });
});
