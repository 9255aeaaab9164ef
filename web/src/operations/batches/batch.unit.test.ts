import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.ts';
import type { BatchStatus } from '../../api/types.ts';
import { BATCH_HEADER, batchProgress, rowProblems } from './batch.ts';

const status = (over: Partial<BatchStatus>): BatchStatus => ({
  batchId: 'b',
  state: 'RUNNING',
  total: 50,
  done: 0,
  failed: 0,
  errors: [],
  createdAt: '2026-12-03T10:00:00.000Z',
  updatedAt: '2026-12-03T10:00:01.000Z',
  ...over,
});

describe('batch progress', () => {
  it('counts granted and failed rows of the total, in whole percent', () => {
    expect(batchProgress(status({}))).toEqual({ processed: 0, percent: 0, finished: false });
    expect(batchProgress(status({ done: 20, failed: 5 }))).toEqual({ processed: 25, percent: 50, finished: false });
    expect(batchProgress(status({ done: 1, total: 3 }))).toEqual({ processed: 1, percent: 33, finished: false });
  });

  it('says 100 % only once the API says DONE', () => {
    // Every row counted, but the batch not marked DONE yet: not finished.
    expect(batchProgress(status({ done: 50 }))).toEqual({ processed: 50, percent: 99, finished: false });
    expect(batchProgress(status({ done: 48, failed: 2, state: 'DONE' }))).toEqual({ processed: 50, percent: 100, finished: true });
    expect(batchProgress(status({ total: 0, state: 'DONE' }))).toEqual({ processed: 0, percent: 100, finished: true });
  });

  it('never counts more rows than the batch has', () => {
    expect(batchProgress(status({ done: 60, failed: 2 })).processed).toBe(50);
  });
});

describe('the bad rows of a refused batch', () => {
  const refused = (details: unknown) => new ApiError('VALIDATION_FAILED', 'bad rows', 400, details);

  it('lists them by line and ref, in line order, the upload’s own problems first', () => {
    const problems = rowProblems(
      refused([
        { line: 4, ref: 'r-3', field: 'amount', message: 'must be >= 1' },
        { line: 2, ref: 'r-1', field: 'userId', message: 'must match pattern' },
        { field: 'body', message: 'too many rows' },
        { line: '3', ref: '', message: 'ref is required' },
        'not an object',
        { line: 9 },
      ]),
    );
    expect(problems).toEqual([
      { line: null, ref: null, field: 'body', message: 'too many rows' },
      { line: 2, ref: 'r-1', field: 'userId', message: 'must match pattern' },
      { line: 3, ref: null, field: null, message: 'ref is required' },
      { line: 4, ref: 'r-3', field: 'amount', message: 'must be >= 1' },
    ]);
  });

  it('has none without details', () => {
    expect(rowProblems(refused(undefined))).toEqual([]);
  });

  it('knows the header the API takes', () => {
    expect(BATCH_HEADER.split(',')).toEqual(['ref', 'userId', 'amount', 'validDays', 'expiresAt', 'availableAt', 'reason', 'source', 'orderId']);
  });
});
