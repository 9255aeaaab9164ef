/**
 * The closing line of `make test` (and `make test-cluster`): every test that ran, in one
 * plain line, `<label>: N passed, N failed, N skipped`, summed over the report files the
 * tiers wrote into one folder: vitest's JSON reports (--reporter=json) and Schemathesis'
 * JUnit XML. Vitest's own closing lines are coloured and per tier; this one line is what a
 * reader (or CI) takes as the count of the whole run.
 *
 *   npx tsx tools/test-summary.ts <folder> [label]
 *
 * Exits 1 when the folder holds no report or a report names a failure, so a run that
 * executed nothing cannot end green.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Counts of one vitest JSON report (the fields vitest's json reporter writes). */
export function vitestCounts(report: { numPassedTests: number; numFailedTests: number; numPendingTests?: number; numTodoTests?: number }): Counts {
  return { passed: report.numPassedTests, failed: report.numFailedTests, skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0) };
}

/** Counts of one JUnit XML report: every <testcase>, failed when it holds <failure> or <error>, skipped with <skipped>. */
export function junitCounts(xml: string): Counts {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  for (const m of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = m[2] ?? '';
    if (/<(failure|error)\b/.test(body)) counts.failed++;
    else if (/<skipped\b/.test(body)) counts.skipped++;
    else counts.passed++;
  }
  return counts;
}

export function summarize(folder: string): { counts: Counts; reports: string[] } {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  const reports: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(folder).sort();
  } catch {
    return { counts, reports };
  }
  for (const name of names) {
    const file = path.join(folder, name);
    let c: Counts | undefined;
    if (name.endsWith('.json')) c = vitestCounts(JSON.parse(readFileSync(file, 'utf8')));
    else if (name.endsWith('.xml')) c = junitCounts(readFileSync(file, 'utf8'));
    if (!c) continue;
    reports.push(`${name} ${c.passed}/${c.failed}/${c.skipped}`);
    counts.passed += c.passed;
    counts.failed += c.failed;
    counts.skipped += c.skipped;
  }
  return { counts, reports };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const folder = process.argv[2];
  const label = process.argv[3] ?? 'tests';
  if (!folder) {
    console.error('usage: tools/test-summary.ts <folder> [label]');
    process.exit(2);
  }
  const { counts, reports } = summarize(folder);
  console.log(`  reports (passed/failed/skipped): ${reports.join(', ') || 'none'}`);
  console.log(`${label}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  if (reports.length === 0 || counts.failed > 0 || counts.passed === 0) process.exit(1);
}
