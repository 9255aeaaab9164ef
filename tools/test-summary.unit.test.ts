import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { junitCounts, summarize, vitestCounts } from './test-summary.ts';

describe('test summary', () => {
  it('counts JUnit test cases: self-closing passed, with <failure> or <error> failed, with <skipped> skipped', () => {
    const xml = `<testsuites><testsuite>
      <testcase name="a" time="1" />
      <testcase name="b"><failure message="x">boom</failure></testcase>
      <testcase name="c"><error message="y"/></testcase>
      <testcase name="d"><skipped/></testcase>
      <testcase name="e"></testcase>
    </testsuite></testsuites>`;
    expect(junitCounts(xml)).toEqual({ passed: 2, failed: 2, skipped: 1 });
  });

  it('counts a vitest JSON report, pending and todo as skipped', () => {
    expect(vitestCounts({ numPassedTests: 5, numFailedTests: 1, numPendingTests: 2, numTodoTests: 1 })).toEqual({ passed: 5, failed: 1, skipped: 3 });
  });

  it('sums every report of a folder and ignores other files; an absent folder has no report', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'summary-'));
    try {
      writeFileSync(path.join(dir, 'unit.json'), JSON.stringify({ numPassedTests: 3, numFailedTests: 0 }));
      writeFileSync(path.join(dir, 'st.xml'), '<testcase name="a"/><testcase name="b"/>');
      writeFileSync(path.join(dir, 'notes.txt'), 'x');
      expect(summarize(dir)).toEqual({ counts: { passed: 5, failed: 0, skipped: 0 }, reports: ['st.xml 2/0/0', 'unit.json 3/0/0'] });
    } finally {
      rmSync(dir, { recursive: true });
    }
    expect(summarize(path.join(dir, 'gone')).reports).toEqual([]);
  });
});
