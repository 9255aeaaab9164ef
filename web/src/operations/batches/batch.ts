/**
 * The arithmetic of the batches page: the CSV header the API takes, a batch's progress
 * from its status, and the bad rows of a refused upload (VALIDATION_FAILED details) by line
 * and ref.
 */
import type { ApiError } from '../../api/errors.ts';
import type { BatchStatus } from '../../api/types.ts';

/** The header line of a batch CSV: every row one grant; empty cells for what a row leaves out. */
export const BATCH_HEADER = 'ref,userId,amount,validDays,expiresAt,availableAt,reason,source,orderId';

export const SAMPLE_ROWS = [
  'welcome-0001,alice,500,30,,,welcome bonus,campaign-dec,',
  'order-0002,bob,120,,2027-06-30T00:00:00Z,,order reward,shop,order-7781',
];

/** The limits of one batch (API.md). */
export const MAX_ROWS = 100_000;
export const MAX_BYTES = 10 * 1024 * 1024;

export interface Progress {
  /** Rows granted or failed so far. */
  processed: number;
  /** 0..100, whole. */
  percent: number;
  finished: boolean;
}

/** How far a batch is: its rows granted (`done`) and failed, of `total`; finished when the API says DONE. */
export function batchProgress(s: BatchStatus): Progress {
  const processed = Math.min(s.total, s.done + s.failed);
  const finished = s.state === 'DONE';
  const percent = s.total === 0 ? (finished ? 100 : 0) : Math.floor((processed / s.total) * 100);
  return { processed, percent: finished ? 100 : Math.min(99, percent), finished };
}

/** A bad row of a refused upload. */
export interface RowProblem {
  line: number | null;
  ref: string | null;
  field: string | null;
  message: string;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The bad rows of a 400 VALIDATION_FAILED, by line and ref, in line order. A problem of the
 * whole upload (a wrong header, too many rows) has no line and comes first.
 */
export function rowProblems(error: ApiError): RowProblem[] {
  if (!Array.isArray(error.details)) return [];
  const out: RowProblem[] = [];
  for (const d of error.details as unknown[]) {
    if (typeof d !== 'object' || d === null) continue;
    const r = d as Record<string, unknown>;
    const message = str(r.message) ?? str(r.code);
    if (!message) continue;
    out.push({ line: num(r.line), ref: str(r.ref), field: str(r.field), message });
  }
  return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
