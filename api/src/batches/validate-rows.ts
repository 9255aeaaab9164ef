/**
 * Every row of a grant batch checked before anything is written, with the rules of
 * POST /v1/points/grants itself: its schema (GrantBody, compiled by the API's own body
 * validator: no coercion, no unknown field), the route's rules past the schema
 * (grant-row.ts), and the domain's own refusals of a grant (decide() on an empty wallet:
 * expiresAt in the future, availableAt before it, within 100 years). A rule of the
 * user's wallet (the balance's ceiling) can only be known when the row runs: such a
 * row fails then, and the batch's status lists it.
 *
 * Besides: a ref (1-64 chars of [A-Za-z0-9_.:-]) on every row, unique in the batch.
 */
import type { FastifySchemaCompiler } from 'fastify';
import { GrantBody } from '../http/schemas.ts';
import { AppError } from '../http/app-error.ts';
import { fieldProblems, validatorCompiler } from '../http/validation.ts';
import { decide } from '../points/decide.ts';
import { DomainError } from '../points/errors.ts';
import { emptyWallet } from '../points/types.ts';
import { grantCommandOf, grantFieldsOf, type GrantFields } from './grant-row.ts';
import type { RawRow, RowProblem } from './parse-rows.ts';

export const REF_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Problems listed in a 400 at most (the message counts every bad row). */
export const PROBLEMS_LISTED = 1000;

export interface BatchRow {
  ref: string;
  line: number;
  grant: GrantFields;
}

export type Validated = { ok: true; rows: BatchRow[] } | { ok: false; problems: RowProblem[]; badRows: number };

type Validate = ((data: unknown) => boolean) & { errors?: Parameters<typeof fieldProblems>[0] | null };

// The grant route's own body validator, compiled once.
const validateGrant = (validatorCompiler as FastifySchemaCompiler<unknown>)({
  schema: GrantBody,
  method: 'POST',
  url: '/v1/points/grants',
  httpPart: 'body',
}) as unknown as Validate;

const noBody = (field: string) => field.replace(/^body\.?/, '') || 'row';

/** The problems of one row with its ref (null: none usable), or its grant. */
function checkRow(raw: RawRow, now: number): { ref: string | null; problems: Omit<RowProblem, 'ref' | 'line'>[]; grant?: GrantFields } {
  const { ref, ...body } = raw.fields;
  const shownRef = typeof ref === 'string' ? ref : null;
  if (raw.shape) return { ref: shownRef, problems: [{ field: 'row', message: raw.shape }] };
  const problems: Omit<RowProblem, 'ref' | 'line'>[] = [];
  if (ref === undefined) problems.push({ field: 'ref', message: 'is required' });
  else if (!(typeof ref === 'string' && REF_PATTERN.test(ref))) problems.push({ field: 'ref', message: 'must be 1-64 chars of [A-Za-z0-9_.:-]' });
  if (!validateGrant(body)) {
    problems.push(...fieldProblems(validateGrant.errors ?? [], ''));
    return { ref: shownRef, problems };
  }
  try {
    const grant = grantFieldsOf(body as GrantBody);
    // The domain's refusals of this grant on a user with nothing yet.
    decide(grantCommandOf(grant, 'batch-validation', now), emptyWallet(grant.userId), now, () => 'batch-validation');
    return { ref: shownRef, problems, grant };
  } catch (e) {
    if (e instanceof AppError) {
      const [d] = (e.details as { field?: string }[] | undefined) ?? [];
      problems.push({ field: noBody(d?.field ?? 'row'), message: e.message });
    } else if (e instanceof DomainError && e.code === 'VALIDATION_FAILED') {
      problems.push({ field: String(e.details?.field ?? 'row'), message: e.message });
    } else {
      throw e;
    }
    return { ref: shownRef, problems };
  }
}

/** Rows checked between two turns of the event loop (100,000 rows take about a second). */
const ROWS_PER_TURN = 2000;

/** Every row checked at `now`; any problem anywhere and no row is given back. */
export async function validateRows(raw: RawRow[], now: number): Promise<Validated> {
  const rows: BatchRow[] = [];
  const problems: RowProblem[] = [];
  const firstLine = new Map<string, number>();
  let badRows = 0;
  for (const [i, r] of raw.entries()) {
    if (i > 0 && i % ROWS_PER_TURN === 0) await new Promise((next) => setImmediate(next));
    const checked = checkRow(r, now);
    const rowProblems = checked.problems.map((p) => ({ ref: checked.ref, line: r.line, ...p }));
    if (checked.ref !== null && REF_PATTERN.test(checked.ref)) {
      const first = firstLine.get(checked.ref);
      if (first !== undefined) rowProblems.push({ ref: checked.ref, line: r.line, field: 'ref', message: `repeats the ref of line ${first}` });
      else firstLine.set(checked.ref, r.line);
    }
    if (rowProblems.length > 0) {
      badRows++;
      if (problems.length < PROBLEMS_LISTED) problems.push(...rowProblems.slice(0, PROBLEMS_LISTED - problems.length));
    } else if (checked.grant) {
      rows.push({ ref: checked.ref!, line: r.line, grant: checked.grant });
    }
  }
  return badRows > 0 ? { ok: false, problems, badRows } : { ok: true, rows };
}
