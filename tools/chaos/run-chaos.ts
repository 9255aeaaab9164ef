/**
 * `make chaos`: every fault scenario of scenarios.ts under a steady command load, each
 * ending with the checks of `make verify`. Commands accepted with 201 must all be in
 * MySQL and in both read models; nothing refused may appear. Results: a table on stdout
 * and in bench/results/chaos-latest.json (and a dated copy; git-ignored: `make bench-report`
 * puts the table into BENCHMARKS.md).
 *   --commands N  commands per scenario (default 2000)   --only a,b  some scenarios
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../common/src/config.ts';
import { writeResults } from '../../bench/lib.ts';
import { rowFailed, runScenario, scenariosOf, type ChaosRow } from './scenarios.ts';

const { values } = parseArgs({ options: { commands: { type: 'string', default: '2000' }, only: { type: 'string' } } });
const config = loadConfig();
const commands = Number(values.commands);
const only = values.only ? new Set(values.only.split(',')) : undefined;

const rows: ChaosRow[] = [];
for (const s of scenariosOf(config)) {
  if (only && !only.has(s.name)) continue;
  console.log(`[chaos] ${s.name}: ${commands} commands, fault after ${Math.floor(commands / 4)}`);
  const row = await runScenario(config, s.name, commands);
  rows.push(row);
  console.log(`[chaos] ${JSON.stringify(row)}`);
}

console.log(
  `\n${config.topology} topology\n\n| scenario | commands | accepted | refused | failed | events written | projected Redis / ClickHouse | duplicates skipped Redis / ClickHouse | longest stall Redis / ClickHouse (s) | differences | idle | s | batch rows once / twice / missing | batch rows/s |`,
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.scenario} | ${r.commands} | ${r.accepted} | ${r.refused} | ${r.failed} | ${r.eventsWritten} | ${r.projectedRedis} / ${r.projectedClickHouse} | ` +
      `${r.duplicatesSkippedRedis} / ${r.duplicatesSkippedClickHouse} | ${r.stallSecondsRedis} / ${r.stallSecondsClickHouse} | ${r.differences} | ${r.idle} | ${r.seconds} | ${r.batchGrantedOnce} of ${r.batchRows} / ${r.batchGrantedTwice} / ${r.batchMissing} | ${r.batchRowsPerSecond} |`,
  );
}
writeResults(config.topology === 'cluster' ? 'chaos-cluster' : 'chaos', { at: new Date().toISOString(), topology: config.topology, rows });
const bad = rows.filter(rowFailed);
console.log(bad.length === 0 ? 'chaos: every scenario ended with 0 differences' : `chaos: ${bad.length} scenario(s) FAILED`);
process.exitCode = bad.length === 0 ? 0 : 1;
