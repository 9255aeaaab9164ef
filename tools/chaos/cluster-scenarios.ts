/**
 * Fault scenarios of the cluster topology: one instance of a replicated service killed
 * with SIGKILL under the command load of scenarios.ts, and kept down long enough for the
 * others to take over (its supervisor restarts it afterwards, as a crashed server comes
 * back). Each ends with the checks of `make verify`, like every scenario.
 *
 * The victim is chosen where it hurts: the broker that leads most partitions of
 * points.events, a Redis master, the Connect worker that runs the outbox task. One
 * ClickHouse shard, which has no replica (ADR 0012), is stopped instead: the analytics
 * model is unavailable meanwhile, and nothing may be lost.
 */
import { Kafka, logLevel } from 'kafkajs';
import type { StackConfig } from '../../common/src/config.ts';
import { ConnectClient } from '../../common/src/connect-client.ts';
import { createRedis, isCluster } from '../../common/src/redis.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { instances, stack } from '../../testing/stack-control.ts';

/** SIGKILL, restarted by its supervisor only after `downSeconds`. */
const killFor = async (instance: string, downSeconds: number) => {
  await stack('kill', '--down', String(downSeconds), instance);
};

/** The instance of a kind that listens on a port. */
async function instanceOnPort(kind: string, port: number): Promise<string> {
  const found = (await instances(kind)).find((i) => i.port === port);
  if (!found) throw new Error(`no ${kind} instance listens on port ${port}`);
  return found.name;
}

/** The broker (kafka-<node id>) that leads most partitions of the event topic. */
export async function busiestBroker(config: StackConfig): Promise<string> {
  const admin = new Kafka({ clientId: 'chaos', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [config.kafka.pointsTopic] });
    const leads = new Map<number, number>();
    for (const p of meta.topics[0]?.partitions ?? []) leads.set(p.leader, (leads.get(p.leader) ?? 0) + 1);
    const [leader] = [...leads.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
    if (leader === undefined) throw new Error(`${config.kafka.pointsTopic} has no partition leader`);
    return `kafka-${leader}`;
  } finally {
    await admin.disconnect();
  }
}

/** A Redis master of the cluster (the one that serves slot 0's range). */
export async function aRedisMaster(config: StackConfig): Promise<string> {
  const client = createRedis(config);
  try {
    if (!isCluster(client)) throw new Error('the Redis of this topology is not a cluster');
    const slots = await client.cluster('SLOTS');
    const first = [...slots].sort((a, b) => a[0] - b[0])[0];
    const master = first?.[2];
    if (!master) throw new Error('the Redis Cluster serves no slot');
    return await instanceOnPort('redis', Number(master[1]));
  } finally {
    client.disconnect();
  }
}

/** The Connect worker that runs the outbox connector's task. */
export async function outboxWorker(config: StackConfig): Promise<string> {
  const connector = config.cdc.sources[0]?.connector ?? 'points-outbox';
  const res = await fetch(`${config.connect.url}/connectors/${connector}/status`);
  if (!res.ok) throw new Error(`Connect answered ${res.status} for the status of ${connector}`);
  const status = (await res.json()) as { tasks: { worker_id: string; state: string }[] };
  const worker = status.tasks[0]?.worker_id;
  if (!worker) throw new Error(`${connector} has no task`);
  return await instanceOnPort('connect', Number(worker.split(':').pop()));
}

/** A service stopped (SIGTERM, no restart) for `ms`, then started again. */
const stopFor = (instance: string, ms: number) => async () => {
  await stack('stop', instance);
  await sleep(ms);
  await stack('start', instance);
};

/** The last shard's outbox connector stopped through Connect's REST API for `ms`, then resumed. */
const connectorStoppedFor = (ms: number) => async (config: StackConfig) => {
  const source = config.cdc.sources.at(-1);
  if (!source || config.cdc.sources.length < 2) throw new Error('the cluster topology has one outbox connector per shard; found fewer than 2');
  const connect = new ConnectClient(config.connect.url);
  await connect.stop(source.connector);
  try {
    await sleep(ms);
  } finally {
    await connect.resume(source.connector);
  }
};
/**
 * The analytics API's answer now: its status and error code (GET /v1/analytics/daily for
 * today, with an admin key, through HAProxy).
 */
async function analyticsAnswer(config: StackConfig): Promise<{ status: number; code?: string }> {
  const key = config.api.keys.find((k) => k.scopes.includes('admin'));
  if (!key) throw new Error('API_KEYS holds no admin key');
  const day = new Date().toISOString().slice(0, 10);
  const res = await fetch(`http://${config.api.host}:${config.api.port}/v1/analytics/daily?from=${day}&to=${day}`, {
    headers: { authorization: `Bearer ${key.secret}` },
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
  return { status: res.status, ...(body.error?.code ? { code: body.error.code } : {}) };
}

/**
 * One ClickHouse shard stopped (SIGTERM, down for `downMs`), not the entry server: every
 * analytics read spans both shards, so the API answers 503 UNAVAILABLE meanwhile, and the
 * ClickHouse projector's flushes fail and are retried (nothing committed past them). Once
 * it is back, analytics answer again; the checks after the scenario count what was lost
 * or applied twice.
 */
export async function stopClickHouseShard(config: StackConfig, downMs: number): Promise<void> {
  const shard = `clickhouse-${config.clickhouse.nodes.length}`;
  await stack('stop', shard);
  try {
    await sleep(2000);
    const down = await analyticsAnswer(config);
    if (down.status !== 503 || down.code !== 'UNAVAILABLE') {
      throw new Error(`with ${shard} stopped, analytics answered ${down.status} ${down.code ?? ''}, not 503 UNAVAILABLE`);
    }
    await sleep(Math.max(0, downMs - 2000));
  } finally {
    await stack('start', shard);
  }
  let up = await analyticsAnswer(config);
  for (let i = 0; i < 20 && up.status !== 200; i++) {
    await sleep(500);
    up = await analyticsAnswer(config);
  }
  if (up.status !== 200) throw new Error(`with ${shard} back, analytics answered ${up.status} ${up.code ?? ''}, not 200`);
}

export const CLUSTER_SCENARIOS: { name: string; fault: (config: StackConfig) => Promise<void> }[] = [
  // The broker comes back after 10 s; meanwhile the other two lead its partitions (RF 3, 2 in sync).
  { name: 'SIGKILL the broker leading most partitions', fault: async (c) => killFor(await busiestBroker(c), 10) },
  // Down for 3 node timeouts: its replica is promoted; it comes back as a replica.
  { name: 'SIGKILL a Redis master', fault: async (c) => killFor(await aRedisMaster(c), 10) },
  // HAProxy stops sending to it within a second; clients retry with their Idempotency-Key.
  { name: 'SIGKILL one API instance', fault: async () => killFor('api-1', 10) },
  // Their groups give the partitions to the other instance of each projector.
  {
    name: 'SIGKILL one projector instance of each kind',
    fault: async () => {
      await killFor('projector-redis-1', 15);
      await killFor('projector-clickhouse-1', 15);
    },
  },
  // The task moves to the other worker after scheduled.rebalance.max.delay.ms (10 s).
  { name: 'SIGKILL the Connect worker running the outbox task', fault: async (c) => killFor(await outboxWorker(c), 25) },
  // HAProxy routes around it; the projectors keep decoding with the schemas they have.
  { name: 'SIGKILL one registry instance', fault: async () => killFor('registry-1', 10) },
  // Its users' commands get 503 and are retried with their keys; the other shard's go on (ADR 0011).
  { name: 'stop MariaDB shard 2 for 8 s', fault: stopFor('mariadb-2', 8000) },
  // The other shard's events keep flowing; this one's follow from its offsets once resumed.
  { name: "stop shard 2's outbox connector for 10 s", fault: connectorStoppedFor(10_000) },
  // Analytics answer 503 while it is down; the ClickHouse projector retries its flushes.
  { name: 'stop one ClickHouse shard', fault: async (c) => stopClickHouseShard(c, 15_000) },
];
