/**
 * `make memory`: resident memory of every process of the running stack (either topology),
 * per instance and in total, as it is now (run it on an idle stack for the README's
 * figures). Writes bench/results/memory-<topology>-latest.json (git-ignored).
 */
import { loadConfig } from '../common/src/config.ts';
import { stackUsage, writeResults } from './lib.ts';

const config = loadConfig();
const usage = stackUsage(config.stackDir);
delete usage['load generator'];
const services = Object.fromEntries(Object.entries(usage).map(([k, u]) => [k, Math.round(u.rssMb)]));
const total = Object.values(services).reduce((a, b) => a + b, 0);
const running = Object.values(services).filter((mb) => mb > 0).length;
for (const [name, mb] of Object.entries(services)) console.log(`${name.padEnd(24)} ${String(mb).padStart(6)} MB`);
console.log(`${`total (${config.topology}, ${running} processes)`.padEnd(24)} ${String(total).padStart(6)} MB`);
writeResults(`memory-${config.topology}`, { at: new Date().toISOString(), topology: config.topology, totalMb: total, services });
