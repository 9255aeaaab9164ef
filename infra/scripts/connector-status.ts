/** `make connector-status`: state of every connector and task; non-zero unless all run. */
import { loadConfig } from '../../common/src/config.ts';
import { ConnectClient, describeStatus, isRunning } from './connectors.ts';

const client = new ConnectClient(loadConfig().connect.url);
const names = await client.list();
if (names.length === 0) {
  console.log('no connectors registered (run: make connectors)');
  process.exit(1);
}
let allRunning = true;
for (const name of names.sort()) {
  const s = await client.status(name);
  if (s) console.log(describeStatus(s));
  allRunning &&= isRunning(s);
}
process.exit(allRunning ? 0 : 1);
