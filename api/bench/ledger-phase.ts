/**
 * The commands bench's "ledger" phase: the bench's mix through the API's Ledger in this
 * process (the same code and SQL as the API, no HTTP), to set beside the HTTP and raw
 * phases. bench/commands.ts runs it as a child process and reads its result: nothing
 * outside api/ imports api/ (ADR 0009).
 *
 * Seeds its users (`bench-<run>-ledger-<i>`, each with one large grant, --concurrency at a
 * time), then runs the mix from --concurrency loops for --seconds, printing progress.
 * On stdout, beside those lines, lines of JSON:
 *   {"seeded": n}          the users are seeded; with --go-on-stdin it then waits for a
 *                          line on stdin before the load (the caller reads the stack's CPU
 *                          at the load's start)
 *   {"result": {...}}      last: the LoadResult, and cpuSeconds: the CPU this process
 *                          (the load generator) spent during the load
 * Usage: npx tsx api/bench/ledger-phase.ts [--seconds 15] [--concurrency 32] [--users 10000] [--run <id>] [--go-on-stdin]
 */
import { randomUUID } from 'node:crypto';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { benchUsers, pick, type Pick, RecentUses, runLoad, seedGrant, seedUsers } from '../../common/src/bench-load.ts';
import { loadConfig } from '../../common/src/config.ts';
import { createShards } from '../../common/src/mysql.ts';
import { registerPointEventSchema } from '../src/ledger/event-codec.ts';
import { Ledger } from '../src/ledger/ledger.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '32' },
    users: { type: 'string', default: '10000' },
    run: { type: 'string', default: randomUUID().slice(0, 8) },
    'go-on-stdin': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const userCount = Number(values.users);
const cfg = loadConfig();
const DAY = 86_400_000;

const shards = createShards(cfg, concurrency + 2);
const schemaId = await registerPointEventSchema(cfg.registry.url);
const ledger = new Ledger({ shards, schemaId, clock: Date.now });
const ledgerUses = new RecentUses();
const ledgerOp = async (userId: string, c: Pick): Promise<void> => {
  const id = shards.newIdFor({ userId });
  const idempotency = { client: 'bench', key: randomUUID(), requestHash: 'x' };
  const useId = c.kind === 'cancel' ? ledgerUses.take() : undefined;
  if (useId) {
    await ledger.execute({
      idempotency,
      target: { useId },
      build: (w) => ({ kind: 'cancelUse', userId: w.userId, useId, cancellationId: shards.newIdFor({ id: useId }), amount: null, reason: 'bench' }),
      respond: (events) => events.length,
    });
    return;
  }
  const use = c.kind !== 'grant';
  await ledger.execute({
    idempotency,
    target: { userId },
    build: () =>
      use
        ? { kind: 'use', userId, useId: id, amount: c.amount || 1, orderId: null, reason: null }
        : { kind: 'grant', userId, grantId: id, amount: c.amount, expiresAt: Date.now() + 100 * DAY, reason: 'bench', source: null },
    respond: (events) => events.length,
  });
  if (use) ledgerUses.add(id);
};

try {
  const list = benchUsers(values.run, 'ledger', userCount);
  await seedUsers('ledger', list, concurrency, (_w, u) => ledgerOp(u, seedGrant));
  console.log(JSON.stringify({ seeded: list.length }));
  if (values['go-on-stdin']) for await (const _go of readline.createInterface({ input: process.stdin })) break;
  const cpu = process.cpuUsage();
  const r = await runLoad('ledger', concurrency, seconds, async (i) => {
    await ledgerOp(list[i % userCount]!, pick(i));
    return true;
  });
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ result: { ...r, cpuSeconds: (used.user + used.system) / 1e6 } }));
} finally {
  await shards.destroy();
}
