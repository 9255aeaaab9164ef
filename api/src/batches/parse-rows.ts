/**
 * The body of POST /v1/points/grant-batches as rows, before any row is validated:
 *
 *   text/csv          the header `ref,userId,amount,validDays,expiresAt,availableAt,reason,source,orderId`
 *                     exactly, then one row per grant (RFC 4180 quoting: commas, quotes and
 *                     line breaks inside "..."); an empty cell is a field left out; blank
 *                     lines are skipped. A row's line is the CSV line it starts on (the
 *                     header is line 1). amount and validDays cells that are whole numbers
 *                     become numbers; anything else stays text (and the grant's schema refuses it).
 *   application/json  `{"items": [{ref, userId, amount, ...}]}`; a row's line is its index + 1.
 *
 * Problems of the body as a whole (the header, an unclosed quote, more than MAX_ROWS rows)
 * come back as problems too, so that the answer has one shape.
 */
import { parse } from 'csv-parse';

export const BATCH_COLUMNS = ['ref', 'userId', 'amount', 'validDays', 'expiresAt', 'availableAt', 'reason', 'source', 'orderId'] as const;
export const BATCH_HEADER = BATCH_COLUMNS.join(',');
/** Rows per batch (API.md). */
export const MAX_ROWS = 100_000;
/** The body's size (API.md): 10 MiB. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

const INTEGER_COLUMNS = new Set<string>(['amount', 'validDays']);
const WHOLE_NUMBER = /^[+-]?\d{1,20}$/;

/** One row as sent: where it is, and its fields (ref among them) as the client wrote them. */
export interface RawRow {
  line: number;
  fields: Record<string, unknown>;
  /** Set when the row's shape is already wrong (its cell count, not an object): why. */
  shape?: string;
}

/** What is wrong with a row (ref and line), or with the body (ref null). */
export interface RowProblem {
  ref: string | null;
  line: number;
  field: string;
  message: string;
}

export type Parsed = { ok: true; rows: RawRow[] } | { ok: false; problems: RowProblem[] };

const bodyProblem = (line: number, field: string, message: string): Parsed => ({ ok: false, problems: [{ ref: null, line, field, message }] });

interface CsvRecord {
  record: string[];
  info: { lines: number; empty_lines: number };
}

/** Characters given to the parser at a time; the event loop gets a turn between slices (a 10 MiB body parses for about a second). */
const SLICE_CHARS = 256 * 1024;

/**
 * csv-parse's stream, fed in slices so that other requests are served meanwhile. (Its
 * package root: the dependency check resolves no subpath exports such as csv-parse/sync.)
 */
function readCsv(text: string): Promise<CsvRecord[]> {
  return new Promise((resolve, reject) => {
    const records: CsvRecord[] = [];
    let failed = false;
    const parser = parse({ info: true, bom: true, relax_column_count: true, skip_empty_lines: true });
    parser.on('readable', () => {
      for (let r = parser.read(); r !== null; r = parser.read()) records.push(r as CsvRecord);
    });
    parser.on('error', (e) => {
      failed = true;
      reject(e);
    });
    parser.on('end', () => resolve(records));
    void (async () => {
      for (let at = 0; at < text.length && !failed; ) {
        let end = Math.min(text.length, at + SLICE_CHARS);
        // Never between the two halves of a surrogate pair.
        if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
        parser.write(text.slice(at, end));
        at = end;
        await new Promise((next) => setImmediate(next));
      }
      if (!failed) parser.end();
    })();
  });
}

export async function parseCsv(text: string): Promise<Parsed> {
  let records: CsvRecord[];
  try {
    records = await readCsv(text);
  } catch (e) {
    const err = e as { message?: string; lines?: number };
    return bodyProblem(err.lines ?? 1, 'body', `is not valid CSV: ${err.message ?? 'unreadable'}`);
  }
  const [header, ...body] = records;
  if (!header || header.record.join(',') !== BATCH_HEADER) {
    return bodyProblem(header ? lineOf(header, 0, 0) : 1, 'header', `must be exactly ${BATCH_HEADER}`);
  }
  if (body.length === 0) return bodyProblem(1, 'body', 'holds no row');
  if (body.length > MAX_ROWS) {
    const last = body[MAX_ROWS - 1]!;
    return bodyProblem(lineOf(body[MAX_ROWS]!, last.info.lines, last.info.empty_lines), 'body', `holds more than ${MAX_ROWS} rows`);
  }
  const rows: RawRow[] = [];
  let prev = header;
  for (const r of body) {
    // info.lines is the line a record ends on; it starts after the previous one and any blank lines.
    const line = lineOf(r, prev.info.lines, prev.info.empty_lines);
    prev = r;
    if (r.record.length !== BATCH_COLUMNS.length) {
      const fields = r.record[0] ? { ref: r.record[0] } : {};
      rows.push({ line, fields, shape: `has ${r.record.length} cells; the header has ${BATCH_COLUMNS.length}` });
      continue;
    }
    const fields: Record<string, unknown> = {};
    BATCH_COLUMNS.forEach((column, i) => {
      const cell = r.record[i]!;
      if (cell === '') return;
      fields[column] = INTEGER_COLUMNS.has(column) && WHOLE_NUMBER.test(cell) ? Number(cell) : cell;
    });
    rows.push({ line, fields });
  }
  return { ok: true, rows };
}

/** The line a record starts on, given where the one before it ended and the blank lines counted until then. */
function lineOf(r: CsvRecord, prevEnd: number, prevEmpty: number): number {
  return prevEnd + 1 + (r.info.empty_lines - prevEmpty);
}

export function parseJson(body: unknown): Parsed {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return bodyProblem(1, 'body', 'must be an object {"items": [...]}');
  const extra = Object.keys(body).filter((k) => k !== 'items');
  if (extra.length > 0) return bodyProblem(1, `body.${extra[0]}`, 'is not a known field');
  const items = (body as { items?: unknown }).items;
  if (!Array.isArray(items)) return bodyProblem(1, 'body.items', 'must be an array of grants');
  if (items.length === 0) return bodyProblem(1, 'body.items', 'holds no row');
  if (items.length > MAX_ROWS) return bodyProblem(MAX_ROWS + 1, 'body.items', `holds more than ${MAX_ROWS} rows`);
  return {
    ok: true,
    rows: items.map((item, i) =>
      typeof item === 'object' && item !== null && !Array.isArray(item)
        ? { line: i + 1, fields: item as Record<string, unknown> }
        : { line: i + 1, fields: {}, shape: 'must be an object' },
    ),
  };
}
