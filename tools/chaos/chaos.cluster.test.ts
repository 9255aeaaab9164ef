/**
 * The cluster topology's fault scenarios (make test-cluster): one instance of a replicated
 * service killed with SIGKILL (or one ClickHouse shard stopped) under load, 1,000 commands each. Every accepted command is in
 * MySQL and both read models, nothing twice, and verification finds nothing.
 * Each row is also written to bench/results/chaos-cluster-test.json (git-ignored).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../common/src/config.ts';
import { ConnectClient } from '../../common/src/connect-client.ts';
import { writeResults } from '../../bench/lib.ts';
import { stack } from '../../testing/stack-control.ts';
import { CLUSTER_SCENARIOS } from './cluster-scenarios.ts';
import { expectClean } from './expect-clean.ts';
import { runScenario, type ChaosRow } from './scenarios.ts';

const config = loadConfig();
const rows: ChaosRow[] = [];

afterAll(async () => {
  // Whatever a scenario left down (its supervisor restarts it anyway) is up again.
  for (const s of config.cdc.sources) await new ConnectClient(config.connect.url).resume(s.connector).catch(() => undefined);
  await stack('start', 'mariadb', 'kafka', 'redis', 'clickhouse', 'registry', 'connect', 'api', 'projector-redis', 'projector-clickhouse');
  writeResults('chaos-cluster-test', { at: new Date().toISOString(), topology: config.topology, rows });
});

describe('chaos in the cluster topology', () => {
  it('runs on the cluster topology', () => {
    expect(config.topology).toBe('cluster');
  });

  for (const { name } of CLUSTER_SCENARIOS) {
    it(`${name}: nothing accepted is lost, nothing applied twice, no difference`, async () => {
      const row = await runScenario(config, name, 1000);
      rows.push(row);
      console.log(`[chaos] ${JSON.stringify(row)}`);
      expectClean(row);
    });
  }
});
