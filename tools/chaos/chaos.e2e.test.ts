/**
 * `make chaos` in short form: the faults no other test injects (Kafka broker and API
 * killed, MariaDB stopped, a burst of undecodable messages), 1,000 commands each.
 * Every accepted command is in MySQL and both read models; verification finds nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../common/src/config.ts';
import { stack } from '../../testing/stack-control.ts';
import { runScenario } from './scenarios.ts';

const config = loadConfig();
afterAll(async () => {
  for (const s of ['kafka', 'api', 'mariadb']) await stack('start', s);
});

describe('chaos (short form)', () => {
  for (const name of ['SIGKILL kafka', 'SIGKILL api', 'stop/start mariadb', '200 undecodable messages']) {
    it(`${name}: nothing accepted is lost, nothing refused appears`, async () => {
      const row = await runScenario(config, name, 1000);
      console.log(`[chaos] ${JSON.stringify(row)}`);
      expect(row.error).toBeUndefined();
      expect(row.failed).toBe(0);
      expect(row.idle).toBe(true);
      expect(row.accepted).toBeGreaterThan(0);
      expect(row.eventsWritten).toBeGreaterThanOrEqual(row.accepted);
      expect(row.projectedRedis).toBe(row.eventsWritten);
      expect(row.projectedClickHouse).toBe(row.eventsWritten);
      expect(row.differences).toBe(0);
    });
  }
});
