/**
 * `make verify`: the ledger's invariants in MySQL (1 and 2 of DESIGN.md), then, once
 * the pipeline is idle, invariant 3: Redis balance and seq = MySQL's for every user and
 * no wallet in Redis (on any master) of a user MySQL does not know, ClickHouse totals per
 * user and type = MySQL's. Prints what it checked and every
 * difference; exits 1 on any difference (or when the pipeline does not go idle).
 *   --mysql-only   skip the read models
 *   --wait SECONDS how long to wait for the pipeline to go idle (default 120)
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../common/src/config.ts';
import type { Difference } from './ledger-invariants.ts';
import { verifyAll } from './verify-all.ts';

const { values } = parseArgs({ options: { 'mysql-only': { type: 'boolean', default: false }, wait: { type: 'string', default: '120' } } });
const report = await verifyAll(loadConfig(), { readModels: !values['mysql-only'], waitMs: Number(values.wait) * 1000, say: (s) => console.log(s) });

function print(model: string, differences: Difference[]): void {
  for (const d of differences.slice(0, 100)) console.log(`  DIFFERENCE user ${d.userId}: ${d.check}: expected ${d.expected}, found ${d.actual}`);
  if (differences.length > 100) console.log(`  ... and ${differences.length - 100} more`);
  console.log(`${model}: ${differences.length} differences`);
}
print('MySQL', report.mysql);
if (report.idle) {
  print('Redis', report.redis);
  print('ClickHouse', report.clickhouse);
}
console.log(report.ok ? 'verify: OK, 0 differences' : report.idle === false ? `verify: FAILED: pipeline not idle: ${report.notIdleReason}` : 'verify: FAILED');
process.exitCode = report.ok ? 0 : 1;
