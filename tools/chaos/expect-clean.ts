/** What every chaos test asserts of a scenario's row (chaos.e2e.test.ts, chaos.cluster.test.ts). */
import { expect } from 'vitest';
import type { ChaosRow } from './scenarios.ts';

export function expectClean(row: ChaosRow): void {
  expect(row.error).toBeUndefined();
  expect(row.failed).toBe(0);
  expect(row.idle).toBe(true);
  expect(row.accepted).toBeGreaterThan(0);
  expect(row.eventsWritten).toBeGreaterThanOrEqual(row.accepted);
  expect(row.projectedRedis).toBe(row.eventsWritten);
  expect(row.projectedClickHouse).toBe(row.eventsWritten);
  expect(row.differences).toBe(0);
  // The grant batch that ran through the fault: every row granted exactly once.
  expect({ twice: row.batchGrantedTwice, missing: row.batchMissing, once: row.batchGrantedOnce }).toEqual({ twice: 0, missing: 0, once: row.batchRows });
}
