import { describe, expect, it } from 'vitest';
import { BATCH_HEADER, MAX_ROWS, parseCsv, parseJson, type Parsed, type RawRow } from './parse-rows.ts';

const rowsOf = (p: Parsed): RawRow[] => {
  if (!p.ok) throw new Error(`not parsed: ${JSON.stringify(p.problems)}`);
  return p.rows;
};
const problemsOf = (p: Parsed) => {
  if (p.ok) throw new Error('parsed, but problems were expected');
  return p.problems;
};
const csv = (...lines: string[]) => `${[BATCH_HEADER, ...lines].join('\n')}\n`;

describe('CSV', () => {
  it('reads each row into the fields it gives: whole numbers for amount and validDays, empty cells left out', async () => {
    const rows = rowsOf(await parseCsv(csv('r1,alice,100,30,,,welcome,,', 'r2,bob,5,,2030-01-01T00:00:00Z,2029-06-01T00:00:00Z,promo,shop,order-7')));
    expect(rows).toEqual([
      { line: 2, fields: { ref: 'r1', userId: 'alice', amount: 100, validDays: 30, reason: 'welcome' } },
      {
        line: 3,
        fields: {
          ref: 'r2',
          userId: 'bob',
          amount: 5,
          expiresAt: '2030-01-01T00:00:00Z',
          availableAt: '2029-06-01T00:00:00Z',
          reason: 'promo',
          source: 'shop',
          orderId: 'order-7',
        },
      },
    ]);
  });

  it('keeps a cell that is no whole number as text, for the grant schema to refuse', async () => {
    const [row] = rowsOf(await parseCsv(csv('r1,alice,1.5,1e3,,,x,,')));
    expect(row!.fields).toMatchObject({ amount: '1.5', validDays: '1e3' });
    const [big] = rowsOf(await parseCsv(csv('r1,alice,123456789012345678901,,,,x,,')));
    expect(big!.fields.amount).toBe('123456789012345678901');
  });

  it('reads quotes, commas and line breaks inside a quoted reason, and counts lines from where each row starts', async () => {
    const rows = rowsOf(await parseCsv(csv('r1,alice,1,,,,"thanks, ""VIP""",,', 'r2,bob,2,,,,"two', 'lines",,', '', 'r3,carol,3,,,,plain,,')));
    expect(rows.map((r) => [r.line, r.fields.ref, r.fields.reason])).toEqual([
      [2, 'r1', 'thanks, "VIP"'],
      [3, 'r2', 'two\nlines'],
      [6, 'r3', 'plain'],
    ]);
  });

  it('accepts CRLF line ends and a byte order mark', async () => {
    const rows = rowsOf(await parseCsv(`\uFEFF${BATCH_HEADER}\r\nr1,alice,1,,,,x,,\r\nr2,bob,2,,,,y,,\r\n`));
    expect(rows.map((r) => [r.line, r.fields.ref])).toEqual([
      [2, 'r1'],
      [3, 'r2'],
    ]);
  });

  it('refuses a header that is not exactly the contract one', async () => {
    for (const header of [
      'ref,userId,amount,validDays,expiresAt,availableAt,reason,source',
      'userId,ref,amount,validDays,expiresAt,availableAt,reason,source,orderId',
      'ref,userid,amount,validDays,expiresAt,availableAt,reason,source,orderId',
      `${BATCH_HEADER},extra`,
      'r1,alice,1,,,,x,,',
    ]) {
      expect(problemsOf(await parseCsv(`${header}\nr1,alice,1,,,,x,,\n`)), header).toEqual([
        { ref: null, line: 1, field: 'header', message: `must be exactly ${BATCH_HEADER}` },
      ]);
    }
    expect(problemsOf(await parseCsv(''))[0]).toMatchObject({ line: 1, field: 'header' });
  });

  it('refuses a batch without rows', async () => {
    expect(problemsOf(await parseCsv(`${BATCH_HEADER}\n`))).toEqual([{ ref: null, line: 1, field: 'body', message: 'holds no row' }]);
  });

  it('marks a row with too few or too many cells, with its line and ref', async () => {
    const rows = rowsOf(await parseCsv(csv('r1,alice,1,,,,x,', 'r2,bob,1,,,,x,,,', 'r3,carol,1,,,,x,,')));
    expect(rows.map((r) => [r.line, r.fields.ref, r.shape])).toEqual([
      [2, 'r1', 'has 8 cells; the header has 9'],
      [3, 'r2', 'has 10 cells; the header has 9'],
      [4, 'r3', undefined],
    ]);
  });

  it('refuses CSV that cannot be read (an unclosed quote), naming the line', async () => {
    const [p] = problemsOf(await parseCsv(csv('r1,alice,1,,,,x,,', 'r2,bob,1,,,,"never closed,,')));
    expect(p).toMatchObject({ ref: null, line: 3, field: 'body' });
    expect(p!.message).toMatch(/^is not valid CSV: Quote Not Closed/);
  });

  it('reads a long body in slices without breaking a character that spans two of them', async () => {
    // Some emoji (two UTF-16 units each) straddles the first slice's end (256 Ki characters).
    const build = (pad: string) => csv(...Array.from({ length: 3000 }, (_, i) => `r${i},alice,1,,,,${i === 0 ? pad : ''}${'😀'.repeat(50)},,`));
    let text = build('');
    for (let pad = 'x'; !/[\uD800-\uDBFF]/.test(text[256 * 1024 - 1]!); pad += 'x') text = build(pad);
    const rows = rowsOf(await parseCsv(text));
    expect(rows).toHaveLength(3000);
    expect(rows.slice(1).every((r) => r.fields.reason === '😀'.repeat(50))).toBe(true);
  });

  it(`takes ${MAX_ROWS} rows, not one more`, async () => {
    const lines = Array.from({ length: MAX_ROWS + 1 }, (_, i) => `r${i},u${i % 100},1,,,,x,,`);
    expect(rowsOf(await parseCsv(csv(...lines.slice(0, MAX_ROWS))))).toHaveLength(MAX_ROWS);
    expect(problemsOf(await parseCsv(csv(...lines)))).toEqual([{ ref: null, line: MAX_ROWS + 2, field: 'body', message: `holds more than ${MAX_ROWS} rows` }]);
  });
});

describe('JSON', () => {
  it('takes {items: [...]} with each item as it is; a row is on line index + 1', () => {
    const items = [
      { ref: 'a', userId: 'alice', amount: 1, reason: 'x' },
      { ref: 'b', userId: 'bob', amount: '2', reason: 'y' },
    ];
    expect(rowsOf(parseJson({ items }))).toEqual([
      { line: 1, fields: items[0] },
      { line: 2, fields: items[1] },
    ]);
  });

  it('marks an item that is not an object', () => {
    const rows = rowsOf(parseJson({ items: [{ ref: 'a' }, 3, null, ['x']] }));
    expect(rows.map((r) => [r.line, r.shape])).toEqual([
      [1, undefined],
      [2, 'must be an object'],
      [3, 'must be an object'],
      [4, 'must be an object'],
    ]);
  });

  it('refuses a body that is not {items: [...]}', () => {
    expect(problemsOf(parseJson(undefined))[0]).toMatchObject({ field: 'body' });
    expect(problemsOf(parseJson([{ ref: 'a' }]))[0]).toMatchObject({ field: 'body' });
    expect(problemsOf(parseJson({}))[0]).toMatchObject({ field: 'body.items', message: 'must be an array of grants' });
    expect(problemsOf(parseJson({ items: {} }))[0]).toMatchObject({ field: 'body.items' });
    expect(problemsOf(parseJson({ items: [] }))[0]).toMatchObject({ field: 'body.items', message: 'holds no row' });
    expect(problemsOf(parseJson({ items: [{}], extra: 1 }))[0]).toMatchObject({ field: 'body.extra', message: 'is not a known field' });
    expect(problemsOf(parseJson({ items: Array.from({ length: MAX_ROWS + 1 }, () => ({})) }))[0]).toMatchObject({
      field: 'body.items',
      message: `holds more than ${MAX_ROWS} rows`,
    });
  });
});
