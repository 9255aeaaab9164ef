/**
 * `make connectors`: registers every connect/*.json idempotently with
 * PUT /connectors/<name>/config. With --wait, waits until connector and tasks run.
 */
import { loadConfig } from '../../common/src/config.ts';
import { ConnectClient, describeStatus, detectConnectorClass, isRunning, readConnectorFiles } from './connectors.ts';
import { setTimeout as sleep } from 'node:timers/promises';

const cfg = loadConfig();
const wait = process.argv.includes('--wait');
const client = new ConnectClient(cfg.connect.url);

const connectorClass = await detectConnectorClass(cfg);
const files = readConnectorFiles({ CDC_CONNECTOR_CLASS: connectorClass });

for (const c of files) {
  const created = await client.put(c.name, c.config);
  console.log(`${c.name}: ${created ? 'created' : 'updated'} (${c.config['connector.class']})`);
}

if (wait) {
  const deadline = Date.now() + 90_000;
  for (const c of files) {
    for (;;) {
      const s = await client.status(c.name);
      if (isRunning(s)) {
        console.log(`${c.name}: RUNNING`);
        break;
      }
      const failed = s && (s.connector.state === 'FAILED' || s.tasks.some((t) => t.state === 'FAILED'));
      if (failed || Date.now() > deadline) {
        console.error(s ? describeStatus(s) : `${c.name}: no status`);
        console.error(failed ? `${c.name} FAILED` : `${c.name} is not running after 90 s`);
        process.exit(1);
      }
      await sleep(500);
    }
  }
}
