/**
 * `make verify`: checks the ledger's invariants and prints what it checked and
 * every difference; exits 1 on any difference. (The read side adds Redis and
 * ClickHouse here.)
 */
import { loadConfig } from '../../../common/src/config.ts';
import { createDb } from '../ledger/db.ts';
import { checkLedger } from './ledger-invariants.ts';

const db = createDb(loadConfig(), 2);
try {
  const started = Date.now();
  const r = await checkLedger(db);
  console.log(`MySQL: checked ${r.users} users, ${r.events} events, ${r.lots} lots in ${Date.now() - started} ms`);
  console.log('  invariant 1: wallet.balance = Σ lots.remaining = balanceAfter of the last event');
  console.log('  invariant 2: Σ granted − Σ used + Σ use-cancelled − Σ expired − Σ revoked = balance');
  console.log('  and: seq 1..n without gaps, wallet.seq = last seq, balance >= 0, 0 <= lot.remaining <= lot.amount, is_open consistent');
  const shown = r.differences.slice(0, 100);
  for (const d of shown) console.log(`  DIFFERENCE user ${d.userId}: ${d.check}: expected ${d.expected}, found ${d.actual}`);
  if (r.differences.length > shown.length) console.log(`  ... and ${r.differences.length - shown.length} more`);
  console.log(r.differences.length === 0 ? 'MySQL: 0 differences' : `MySQL: ${r.differences.length} differences`);
  process.exitCode = r.differences.length === 0 ? 0 : 1;
} finally {
  await db.destroy();
}
