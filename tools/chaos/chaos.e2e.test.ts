/**
 * `make chaos` in short form: the faults no other test injects (Kafka broker and API
 * killed, MariaDB stopped, a burst of undecodable messages), 1,000 commands each.
 * Every accepted command is in MySQL and both read models; verification finds nothing.
 */
import { afterAll, describe, it } from 'vitest';
import { loadConfig } from '../../common/src/config.ts';
import { stack } from '../../testing/stack-control.ts';
import { expectClean } from './expect-clean.ts';
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
      expectClean(row);
    });
  }
});
